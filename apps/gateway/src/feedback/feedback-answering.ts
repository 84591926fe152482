import type { queues } from '@switchboard/contracts/queues';
import type { QueueProducer } from '@switchboard/runtime/queue-producer';
import type { AnswerInput, AnswerOutcome, FeedbackRequestStore } from '@switchboard/stores/feedback-requests';

/**
 * Answers a request from the gateway (the web route, the email link). The
 * store decides who wins and announces it; the winner alone then asks the
 * notifications service to show the outcome on every sent copy.
 */
export class FeedbackAnswering {
  constructor(
    private readonly requests: FeedbackRequestStore,
    private readonly notifications: QueueProducer<typeof queues.notifications>,
  ) {}

  async answer(id: string, input: AnswerInput, requestId: string): Promise<AnswerOutcome> {
    const outcome = await this.requests.answer(id, input);
    if (outcome.kind === 'won') {
      await this.notifications.add(
        'feedback_sync',
        { request_id: id },
        { requestId, jobId: `feedback-sync-${id}` },
      );
    }
    return outcome;
  }
}
