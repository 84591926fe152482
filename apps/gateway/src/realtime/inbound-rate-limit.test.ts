import { describe, expect, it } from 'vitest';
import { InboundRateLimit } from './inbound-rate-limit.js';

describe('InboundRateLimit', () => {
  it('allows a burst of the capacity, refuses after, and calls persistent senders abusive', () => {
    let now = 0;
    const limit = new InboundRateLimit(20, 10_000, 3, () => now);
    const verdicts = Array.from({ length: 23 }, () => limit.take());
    expect(verdicts.slice(0, 20).every((verdict) => verdict === 'allowed')).toBe(true);
    expect(verdicts.slice(20)).toEqual(['refused', 'refused', 'abusive']);
    now += 500; // one token back (20 per 10 s)
    expect(limit.take()).toBe('allowed');
    expect(limit.take()).toBe('refused');
  });

  it('refills to the capacity, never beyond', () => {
    let now = 0;
    const limit = new InboundRateLimit(2, 1_000, 5, () => now);
    limit.take();
    limit.take();
    now += 60_000;
    expect([limit.take(), limit.take(), limit.take()]).toEqual(['allowed', 'allowed', 'refused']);
  });
});
