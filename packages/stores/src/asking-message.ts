import type { FeedbackPrompt, OutgoingMessage } from '@switchboard/contracts/notifications';
import { isApprovalQuestion } from './feedback-requests.js';

const subjectQuestionLength = 60;

function shortened(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

/**
 * The message that asks a person (003's feedback email: "Approval Required -
 * <prompt>" / "Input Required - …"): a plain-text version of the question,
 * and the `feedback` prompt each channel renders its own way (answer link,
 * Slack buttons).
 */
export function askingMessage(prompt: FeedbackPrompt): OutgoingMessage {
  const kind = isApprovalQuestion(prompt.options) ? 'Approval required' : 'Input required';
  const ways = [
    ...(prompt.options.length > 0 ? [`Answer with one of: ${prompt.options.join(', ')}.`] : []),
    ...(prompt.allow_free_text ? ['You may also answer in your own words.'] : []),
  ];
  const text = [
    prompt.question,
    '',
    ...ways,
    `Answer here: ${prompt.answer_url}`,
    `This request expires at ${prompt.expires_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.`,
  ].join('\n');
  return {
    subject: `${kind} - ${shortened(prompt.question, subjectQuestionLength)}`,
    text,
    feedback: prompt,
  };
}
