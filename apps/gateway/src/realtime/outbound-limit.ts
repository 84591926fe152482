import { setTimeout as delay } from 'node:timers/promises';
import type { RealtimeLimits } from './realtime-limits.js';

const pollMs = 25;

/**
 * Keeps what is queued for one client bounded, whatever the transport
 * (`pendingBytes` reads its buffer). Live messages ask `allows()` first: past
 * `maxBufferedBytes` the client has stopped reading and is dropped, so memory
 * never grows with it. A replay instead waits in `drained()` until less than
 * `resumeBufferedBytes` is queued, so a long replay goes at the client's pace
 * rather than tripping the limit; a client that does not catch up within
 * `stallMs` is dropped too.
 */
export class OutboundLimit {
  constructor(
    private readonly pendingBytes: () => number,
    private readonly limits: Pick<RealtimeLimits, 'maxBufferedBytes' | 'resumeBufferedBytes' | 'stallMs'>,
    private readonly dropSlowClient: () => void,
  ) {}

  allows(): boolean {
    if (this.pendingBytes() <= this.limits.maxBufferedBytes) return true;
    this.dropSlowClient();
    return false;
  }

  async drained(isOpen: () => boolean): Promise<void> {
    const deadline = Date.now() + this.limits.stallMs;
    while (isOpen() && this.pendingBytes() > this.limits.resumeBufferedBytes) {
      if (Date.now() > deadline) {
        this.dropSlowClient();
        return;
      }
      await delay(pollMs);
    }
  }
}
