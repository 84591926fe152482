import type { FeedbackPrompt, OutgoingMessage } from '@switchboard/contracts/notifications';
import { ChannelError } from './channel.js';
import type { EmailTemplates } from './email-templates.js';
import { readResolution, resolutionHeadline } from './feedback-resolution.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/**
 * The one-click link of an option: the signed answer page with the option
 * preselected. The page asks to confirm (mail scanners follow links), so a
 * prefetch never answers.
 */
export function answerLink(answerUrl: string, option: string): string {
  const url = new URL(answerUrl);
  url.searchParams.set('answer', option);
  return url.toString();
}

function feedbackView(feedback: FeedbackPrompt) {
  return {
    ...feedback,
    options: feedback.options.map((label) => ({ label, url: answerLink(feedback.answer_url, label) })),
  };
}

/** The message's data as label/value lines, for the generic template; nested values are not shown. */
function details(data: Record<string, unknown> | undefined): Array<{ name: string; value: string }> {
  return Object.entries(data ?? {})
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([name, value]) => ({ name, value: String(value) }));
}

/**
 * Renders a message as an email. The template is the message's own, else
 * `feedback-request` for a question, else `notification`. HTML the caller
 * rendered itself (`message.html`, an admin's `POST /api/notifications`)
 * replaces the template's HTML as it is; everything else reaches the HTML
 * only through escaping templates.
 */
export function composeEmail(
  templates: EmailTemplates,
  message: OutgoingMessage,
  now = new Date(),
): EmailContent {
  const name = message.template ?? (message.feedback ? 'feedback-request' : 'notification');
  if (!templates.has(name)) throw new ChannelError(`No email template named ${name}`, true);
  const resolution = readResolution(message);
  let feedback: ReturnType<typeof feedbackView> | undefined;
  try {
    feedback = message.feedback && feedbackView(message.feedback);
  } catch (error) {
    throw new ChannelError(`Bad answer link ${message.feedback?.answer_url}`, true, { cause: error });
  }
  const rendered = templates.render(name, {
    subject: message.subject,
    text: message.text,
    paragraphs: message.text.split(/\n\s*\n/),
    data: message.data ?? {},
    details: details(message.data),
    feedback,
    resolution,
    headline: resolution && resolutionHeadline(resolution),
    sent_at: now.toISOString(),
  });
  return {
    subject: rendered.subject ?? message.subject,
    text: rendered.text,
    html: message.html ?? rendered.html,
  };
}
