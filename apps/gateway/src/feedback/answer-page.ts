import type { FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import { answeredBy, type StoredWinner } from '@switchboard/stores/feedback-requests';

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => entities[char]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
.question { white-space: pre-wrap; padding: 1rem; background: #f4f4f4; border-radius: .5rem; }
form { display: inline-block; margin: .5rem .5rem 0 0; }
button { font-size: 1rem; padding: .5rem 1.25rem; cursor: pointer; }
textarea { width: 100%; min-height: 5rem; font: inherit; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}

const question = (record: FeedbackRequestRecord) => `<p class="question">${escapeHtml(record.question)}</p>`;

/**
 * The question with one confirm button per option (and a text box where
 * free text is allowed); the option a link named comes first, as the one to
 * confirm. Nothing is answered until a button is pressed: mail scanners open
 * links, they do not submit forms.
 */
export function questionPage(record: FeedbackRequestRecord, action: string, preselected?: string): string {
  const chosen = record.options.find((option) => option.toLowerCase() === preselected?.trim().toLowerCase());
  const form = (option: string, label: string) =>
    `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="answer" value="${escapeHtml(option)}">` +
    `<button type="submit">${escapeHtml(label)}</button></form>`;
  const buttons =
    chosen === undefined
      ? record.options.map((option) => form(option, option))
      : [
          `<p>You chose <strong>${escapeHtml(chosen)}</strong>.</p>`,
          form(chosen, `Confirm: ${chosen}`),
          ...record.options.filter((option) => option !== chosen).map((option) => form(option, option)),
        ];
  const freeText = record.allow_free_text
    ? `<form method="post" action="${escapeHtml(action)}"><p><label for="answer">Or answer in your own words:</label></p>` +
      `<textarea id="answer" name="answer" maxlength="2000" required></textarea><p><button type="submit">Send</button></p></form>`
    : '';
  const expires = `<p><small>This request expires at ${escapeHtml(record.expires_at)}.</small></p>`;
  return page('Your answer is needed', `${question(record)}\n${buttons.join('\n')}\n${freeText}\n${expires}`);
}

export function answeredPage(record: FeedbackRequestRecord, winner: StoredWinner): string {
  return page(
    'Already answered',
    `${question(record)}\n<p>This request was already ${escapeHtml(answeredBy(winner))}: <strong>${escapeHtml(winner.answer)}</strong>.</p>`,
  );
}

export function thanksPage(record: FeedbackRequestRecord, answer: string): string {
  return page(
    'Thank you',
    `${question(record)}\n<p>Your answer <strong>${escapeHtml(answer)}</strong> was recorded.</p>`,
  );
}

export function closedPage(status: 'expired' | 'cancelled'): string {
  return status === 'expired'
    ? page('This request has expired', '<p>It can no longer be answered.</p>')
    : page('This request was cancelled', '<p>It no longer needs an answer.</p>');
}
