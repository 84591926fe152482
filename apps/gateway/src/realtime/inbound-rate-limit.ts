export type InboundVerdict = 'allowed' | 'refused' | 'abusive';

/**
 * Flood control for one connection's inbound messages: a token bucket of
 * `capacity` tokens refilled evenly over `windowMs`. While it is empty each
 * message is refused; a client that sends `refusedBeforeClose` refused
 * messages in a row is abusive and should be disconnected. (The per-user
 * and per-session chat budgets of SPEC §2 are spent separately, in Redis.)
 */
export class InboundRateLimit {
  private tokens: number;
  private refusedInARow = 0;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
    private readonly refusedBeforeClose: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  take(): InboundVerdict {
    const now = this.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.updatedAt) * this.capacity) / this.windowMs,
    );
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return 'allowed';
    }
    this.refusedInARow += 1;
    return this.refusedInARow >= this.refusedBeforeClose ? 'abusive' : 'refused';
  }
}
