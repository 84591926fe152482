import type { FeedbackPrompt, OutgoingMessage } from '@switchboard/contracts/notifications';
import { formatUtc } from './display-time.js';
import { type FeedbackResolution, readResolution, resolutionHeadline } from './feedback-resolution.js';

/** One Block Kit block, as JSON. */
export type SlackBlock = Record<string, unknown>;

/** Slack's limits: section text, header text, button text, buttons per actions block. */
const limits = { section: 3_000, header: 150, button: 75, buttons: 25 };

/** Slack reads `&`, `<` and `>` as markup (links, mentions, `<!channel>`); escaped, user text stays text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(clip(text, limits.section)) });

/** Approve-like options look like a go, reject-like ones like a stop, as in the original's buttons. */
function buttonStyle(option: string): { style?: 'primary' | 'danger' } {
  const word = option.trim().toLowerCase();
  if (['approve', 'approved', 'yes', 'confirm', 'ok'].includes(word)) return { style: 'primary' };
  if (['reject', 'rejected', 'no', 'deny'].includes(word)) return { style: 'danger' };
  return {};
}

/** Shown in each reader's own time zone by Slack; the text after `|` is the fallback. */
function expiryLine(expiresAt: string): string {
  const seconds = Math.floor(new Date(expiresAt).getTime() / 1000);
  if (Number.isNaN(seconds)) return '';
  return `Expires <!date^${seconds}^{date_short_pretty} at {time}|${formatUtc(expiresAt)}>`;
}

/**
 * A question: header, the question, one button per option (`value` carries
 * the request id and the answer, so the interactivity handler needs nothing
 * else), a free-text input answered with Enter when allowed, and the expiry.
 */
export function feedbackBlocks(message: OutgoingMessage, feedback: FeedbackPrompt): SlackBlock[] {
  const blocks: SlackBlock[] = [
    { type: 'header', text: plain(clip(message.subject, limits.header)) },
    section(escapeMrkdwn(feedback.question)),
  ];
  if (feedback.options.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: `feedback_${feedback.request_id}`,
      elements: feedback.options.slice(0, limits.buttons).map((option, index) => ({
        type: 'button',
        action_id: `answer_${index}`,
        text: plain(clip(option, limits.button)),
        value: JSON.stringify({ request_id: feedback.request_id, answer: option }),
        ...buttonStyle(option),
      })),
    });
  }
  if (feedback.allow_free_text) {
    blocks.push({
      type: 'input',
      // Names the request: a typed answer's payload carries no value of its own.
      block_id: `feedback_text_${feedback.request_id}`,
      dispatch_action: true,
      label: plain('Or type your answer and press Enter'),
      element: {
        type: 'plain_text_input',
        action_id: 'answer_text',
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
      },
    });
  }
  const expiry = expiryLine(feedback.expires_at);
  const reference = `Request \`${escapeMrkdwn(feedback.request_id)}\``;
  blocks.push({ type: 'context', elements: [mrkdwn(expiry ? `${expiry} · ${reference}` : reference)] });
  return blocks;
}

/** What replaces a question once it is settled: the question, and who answered how. No buttons are left. */
export function resolvedBlocks(message: OutgoingMessage, resolution: FeedbackResolution): SlackBlock[] {
  const by = resolution.answered_by;
  const who =
    by === undefined
      ? undefined
      : resolution.via === 'slack' && /^[UW][A-Z0-9]+$/.test(by)
        ? `<@${by}>`
        : escapeMrkdwn(by);
  const icon = { answered: '✅', expired: '⌛', cancelled: '🚫' }[resolution.status];
  const answer = resolution.answer === undefined ? '' : `: *${escapeMrkdwn(resolution.answer)}*`;
  const question = message.feedback
    ? [section(`>${escapeMrkdwn(message.feedback.question).replace(/\n/g, '\n>')}`)]
    : [];
  return [
    { type: 'header', text: plain(clip(message.subject, limits.header)) },
    ...question,
    section(`${icon} ${resolutionHeadline(resolution, who)}${answer}`),
  ];
}

/** A plain notification: its subject in bold over its text. */
export function notificationBlocks(message: OutgoingMessage): SlackBlock[] {
  return [section(`*${escapeMrkdwn(message.subject)}*\n${escapeMrkdwn(message.text)}`)];
}

/** The blocks of any message: settled question, open question, or notification. */
export function messageBlocks(message: OutgoingMessage): SlackBlock[] {
  const resolution = readResolution(message);
  if (resolution) return resolvedBlocks(message, resolution);
  if (message.feedback) return feedbackBlocks(message, message.feedback);
  return notificationBlocks(message);
}

/** The `text` Slack shows in notifications and to screen readers when blocks cannot be. */
export function fallbackText(message: OutgoingMessage): string {
  if (readResolution(message)) return clip(message.text, limits.section);
  return clip(`${message.subject}: ${message.feedback?.question ?? message.text}`, limits.section);
}
