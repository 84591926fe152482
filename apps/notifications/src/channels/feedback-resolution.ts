import { AnswerChannelSchema } from '@switchboard/contracts/feedback';
import type { OutgoingMessage } from '@switchboard/contracts/notifications';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/** How a feedback request ended, as every channel's copy of it should show. */
export const FeedbackResolution = Type.Object({
  status: Type.Enum(['answered', 'expired', 'cancelled']),
  answer: Type.Optional(Type.String()),
  /** Who answered, as people know them: a name, an email address, or a Slack user id (shown as a mention). */
  answered_by: Type.Optional(Type.String()),
  via: Type.Optional(AnswerChannelSchema),
});
export type FeedbackResolution = Static<typeof FeedbackResolution>;

const resolutionValidator = Compile(FeedbackResolution);

const channelWords: Record<NonNullable<FeedbackResolution['via']>, string> = {
  web: 'the web page',
  slack: 'Slack',
  email: 'email',
  websocket: 'chat',
};

/**
 * The message to pass to `Channel.update` once a request is answered, expired
 * or cancelled: each channel renders it its own way (an email follow-up in
 * the thread, Slack blocks without buttons, a `notification.updated` event).
 */
export function resolvedMessage(original: OutgoingMessage, resolution: FeedbackResolution): OutgoingMessage {
  const answer = resolution.answer === undefined ? '' : `: ${resolution.answer}`;
  return {
    subject: original.subject,
    text: `${resolutionHeadline(resolution)}${answer}`,
    template: 'feedback-resolved',
    data: { resolution },
    ...(original.feedback === undefined ? {} : { feedback: original.feedback }),
  };
}

/** The resolution a message built by `resolvedMessage` carries, if it is one. */
export function readResolution(message: OutgoingMessage): FeedbackResolution | undefined {
  const candidate = message.data?.resolution;
  return resolutionValidator.Check(candidate) ? candidate : undefined;
}

/** "Answered by alice@example.com via Slack", "Expired without an answer", "Cancelled". */
export function resolutionHeadline(resolution: FeedbackResolution, who = resolution.answered_by): string {
  if (resolution.status === 'expired') return 'Expired without an answer';
  if (resolution.status === 'cancelled') return 'Cancelled';
  const by = who === undefined ? '' : ` by ${who}`;
  const via = resolution.via === undefined ? '' : ` via ${channelWords[resolution.via]}`;
  return `Answered${by}${via}`;
}
