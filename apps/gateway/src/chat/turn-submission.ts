import { randomUUID } from 'node:crypto';
import type {
  AssistantName,
  AttachedFile,
  HistoryEntry,
  TurnPayload,
  TurnResult,
} from '@switchboard/contracts/chat';
import type { queues } from '@switchboard/contracts/queues';
import { AppError } from '@switchboard/runtime/app-error';
import type { EnqueuedJob, QueueProducer } from '@switchboard/runtime/queue-producer';
import { type ChatTurnStore, sessionScope, turnJobId } from '@switchboard/stores/chat-turns';
import type { SessionRecord } from '@switchboard/stores/sessions';

export interface TurnRequest {
  /** The session the turn belongs to; null for 002's stateless call. */
  session: SessionRecord | null;
  /** For a stateless turn: whose it is, so one caller's message ids never meet another's. */
  caller?: string;
  /** The logged-in user who asks, for the usage log; absent for guests. */
  identity?: { user_id: string; username: string };
  assistant: AssistantName;
  message: string;
  clientMessageId?: string | undefined;
  history?: HistoryEntry[];
  attachedFiles?: AttachedFile[];
  model?: string;
  requestId: string;
}

export interface SubmittedTurn {
  turnId: string;
  /** False when the client message id was seen before: this is that turn. */
  isNew: boolean;
  /** Its result, when it had finished before this submission. */
  finished?: TurnResult;
  job?: EnqueuedJob<typeof queues.chat, 'turn'>;
}

/**
 * The gateway's half of the turn pipeline: gives a turn its place in its
 * session's order (the client message id as idempotency key) and puts it on
 * the chat queue; the synchronous routes then wait for the result.
 */
export class TurnSubmission {
  constructor(
    private readonly producer: QueueProducer<typeof queues.chat>,
    private readonly turns: ChatTurnStore,
    readonly deadlineMs: number,
  ) {}

  async submit(request: TurnRequest): Promise<SubmittedTurn> {
    const turnId = request.clientMessageId ?? randomUUID();
    const session = request.session;
    const scope = session ? sessionScope(session) : `caller:${request.caller ?? 'anonymous'}`;
    let seq: number | undefined;
    let isNew = true;
    if (session) {
      const accepted = await this.turns.accept(session.id, turnId, session.token_nonce);
      isNew = accepted.isNew;
      if (accepted.record.status === 'done' && accepted.record.result) {
        return { turnId, isNew, finished: accepted.record.result };
      }
      seq = accepted.record.seq;
    }
    const payload: TurnPayload = {
      turn_id: turnId,
      assistant: request.assistant,
      message: request.message,
      ...(session ? { session_id: session.id, generation: session.token_nonce } : {}),
      ...(seq === undefined ? {} : { seq }),
      ...(request.history === undefined ? {} : { history: request.history }),
      ...(request.attachedFiles === undefined ? {} : { attached_files: request.attachedFiles }),
      ...(request.model === undefined ? {} : { model: request.model }),
      ...(request.identity === undefined ? {} : { caller: request.identity }),
    };
    // A resent turn that is still queued or running is the same job (BullMQ keeps one job per id).
    const job = await this.producer.add('turn', payload, {
      requestId: request.requestId,
      jobId: turnJobId(scope, turnId),
      // A failed model call is an answer, not a job failure; only a crash is retried.
      attempts: 3,
      // A turn may carry megabytes of history and files: finished ones go soon (a session's result
      // stays in its turn record; a stateless resend within five minutes still finds its job).
      keep: { completed: { age: 300, count: 100 }, failed: { age: 3_600, count: 100 } },
    });
    return { turnId, isNew, job };
  }

  /** The turn's result within the deadline; SB_TIMEOUT (504) after it, while the turn runs on. */
  async result(submitted: SubmittedTurn, deadlineMs = this.deadlineMs): Promise<TurnResult> {
    if (submitted.finished) return submitted.finished;
    if (!submitted.job) throw new Error('a submitted turn has neither a job nor a result');
    try {
      return await this.producer.waitFor(submitted.job, deadlineMs);
    } catch (error) {
      if (error instanceof AppError && error.code === 'SB_TIMEOUT') {
        throw new AppError(
          'SB_TIMEOUT',
          `No reply within ${Math.round(deadlineMs / 1000)} s. The reply will still be added to the session's history when it is ready.`,
          { turn_id: submitted.turnId },
        );
      }
      if (error instanceof AppError) throw error;
      // The job itself failed (its worker crashed on every attempt): a fault of ours, not of the caller.
      throw new AppError(
        'SB_UNAVAILABLE',
        'The chat service could not finish this turn; please send it again.',
        {
          turn_id: submitted.turnId,
        },
      );
    }
  }
}
