import type { queues } from '@switchboard/contracts/queues';
import type { Logger } from '@switchboard/runtime/logger';
import type { QueueProducer } from '@switchboard/runtime/queue-producer';
import {
  type AnswerInput,
  answeredBy,
  type FeedbackRequestStore,
} from '@switchboard/stores/feedback-requests';
import { postJson } from '../channels/outbound-http.js';
import { type SlackAnswer, slackAnswerOf } from './slack-action.js';

export interface SlackInteractionPorts {
  requests: Pick<FeedbackRequestStore, 'recipients' | 'answer' | 'refuse'>;
  notifications: Pick<QueueProducer<typeof queues.notifications>, 'add'>;
  logger: Logger;
  httpTimeoutMs: number;
}

export type SlackOutcome =
  | 'answered'
  | 'already_answered'
  | 'expired'
  | 'cancelled'
  | 'invalid'
  | 'not_allowed'
  | 'not_found'
  | 'ignored';

/** What the person who clicked is told, by them alone, when their click did not decide the request. */
const replies: Partial<Record<SlackOutcome, string>> = {
  expired: 'This request has expired; it can no longer be answered.',
  cancelled: 'This request was cancelled; it no longer needs an answer.',
  not_allowed: 'Only the person this request was sent to can answer it.',
  not_found: 'This request no longer exists.',
};

/**
 * The `slack_interaction` job: a verified Slack payload (the gateway checked
 * its signature) becomes an answer, if it is one, from the Slack member the
 * request was sent to (SPEC §4: only the linked Slack user may answer). The
 * winner asks for the other copies to be updated; the store has announced it.
 */
export class SlackInteractions {
  constructor(private readonly ports: SlackInteractionPorts) {}

  async handle(payload: string, requestId: string): Promise<SlackOutcome> {
    const action = slackAnswerOf(payload);
    if (!action) return 'ignored';
    const { requests } = this.ports;
    const input: AnswerInput = {
      answer: action.answer,
      channel: 'slack',
      responder_id: action.userId,
      responder_name: action.userName ?? action.userId,
    };
    const recipients = await requests.recipients(action.requestId);
    if (!recipients) return this.told(action, 'not_found');
    if (recipients.slack !== action.userId) {
      await requests.refuse(action.requestId, input, 'not_allowed');
      return this.told(action, 'not_allowed');
    }
    const outcome = await requests.answer(action.requestId, input);
    switch (outcome.kind) {
      case 'won':
        await this.ports.notifications.add(
          'feedback_sync',
          { request_id: action.requestId },
          { requestId, jobId: `feedback-sync-${action.requestId}` },
        );
        return 'answered';
      case 'lost':
        return this.told(
          action,
          'already_answered',
          `This request was already ${answeredBy(outcome.winner)}.`,
        );
      case 'invalid':
        return this.told(action, 'invalid', outcome.reason);
      default:
        return this.told(action, outcome.kind);
    }
  }

  /** Replies to the clicker alone through Slack's `response_url`; a failed reply is logged, not retried. */
  private async told(
    action: SlackAnswer,
    outcome: SlackOutcome,
    text = replies[outcome],
  ): Promise<SlackOutcome> {
    if (action.responseUrl && text) {
      try {
        const answer = await postJson(
          action.responseUrl,
          JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
          { timeoutMs: this.ports.httpTimeoutMs },
        );
        if (answer.status >= 300)
          this.ports.logger.warn({ status: answer.status }, 'Slack refused an ephemeral reply');
      } catch (error) {
        this.ports.logger.warn({ err: error }, 'could not reply to a Slack user');
      }
    }
    return outcome;
  }
}
