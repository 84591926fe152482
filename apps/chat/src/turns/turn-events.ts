import type { SessionEventData, SessionEventName } from '@switchboard/contracts/session-events';
import type { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionRecord } from '@switchboard/stores/sessions';

/**
 * What one turn tells its session's followers (SPEC §4 "Events and resume"):
 * each event goes to the session's stream and topic with the turn's id, so a
 * client waiting for its own turn picks its events out. A stateless turn
 * (002's call without a session) has nobody to tell.
 */
export class TurnEvents {
  constructor(
    private readonly log: SessionEventLog,
    private readonly session: SessionRecord | null,
    readonly turnId: string,
  ) {}

  async emit<N extends SessionEventName>(event: N, data: SessionEventData<N>): Promise<void> {
    if (this.session === null) return;
    // Written only while the session is this one: a deleted session's turn never speaks in its successor.
    await this.log.appendFor(this.session, event, { ...data, turn_id: this.turnId });
  }
}
