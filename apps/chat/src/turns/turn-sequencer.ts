import type { TurnResult } from '@switchboard/contracts/chat';
import type { JobContext } from '@switchboard/runtime/service-queue';
import type { ChatTurnStore } from '@switchboard/stores/chat-turns';

/** Where a turn's job is, as BullMQ reports it ('unknown' once removed or never added). */
export type JobStateOf = (session: { id: string; token_nonce: string }, turnId: string) => Promise<string>;

/** How long to wait before looking again whether the turn before has finished. */
const recheckMs = 150;
/** A turn accepted this long ago whose job does not exist was never queued (its caller died): skip it. */
const lostAfterMs = 30_000;

/**
 * Runs a session's turns one at a time in the order they were accepted
 * (SPEC issue 6). A turn whose predecessor is unfinished goes back to the
 * queue for a moment instead of holding a worker; a predecessor whose job
 * failed for good or was never queued is closed so the session moves on.
 * A turn already finished answers its stored result (a retried job, or a
 * resent client message id).
 */
export class TurnSequencer {
  constructor(
    private readonly turns: ChatTurnStore,
    private readonly jobStateOf: JobStateOf,
  ) {}

  async run(
    turn: { sessionId: string; turnId: string; seq: number; generation: string | undefined },
    context: JobContext,
    work: () => Promise<TurnResult | null>,
  ): Promise<TurnResult | null> {
    const { sessionId, turnId, seq, generation } = turn;
    for (;;) {
      const gate = await this.turns.gate(sessionId, turnId, seq);
      if (gate.kind === 'finished') return gate.record.result ?? null;
      if (gate.kind === 'ready') break;
      if (!(await this.closeIfLost(sessionId, gate.predecessorTurnId, gate.predecessorSeq))) {
        return context.defer(recheckMs);
      }
    }
    const result = await work();
    await this.turns.finish(sessionId, turnId, seq, generation, result ?? undefined);
    return result;
  }

  /** True when the predecessor is finished or can never finish by itself (then it is closed here). */
  private async closeIfLost(sessionId: string, turnId: string | null, seq: number): Promise<boolean> {
    if (turnId === null) {
      // Its place was given but its id not recorded: only a Redis failure mid-script does this.
      await this.turns.finish(sessionId, `lost-${seq}`, seq, undefined);
      return true;
    }
    const record = await this.turns.get(sessionId, turnId);
    if (record?.status === 'done') return true;
    // The job id names the session generation the turn was accepted in.
    const state = await this.jobStateOf({ id: sessionId, token_nonce: record?.gen ?? '' }, turnId);
    const lost =
      state === 'failed' ||
      state === 'completed' ||
      (state === 'unknown' && Date.now() - (record?.accepted_at ?? 0) > lostAfterMs);
    if (lost) await this.turns.finish(sessionId, turnId, seq, undefined);
    return lost;
  }
}
