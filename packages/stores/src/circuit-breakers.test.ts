import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { CircuitBreakerStore } from './circuit-breakers.js';

describe('CircuitBreakerStore', () => {
  const redisFixture = usePrivateRedis();

  const store = (samples?: number) =>
    new CircuitBreakerStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), {
      threshold: 3,
      openMs: 1_000,
      ...(samples === undefined ? {} : { samples }),
    });
  const fail = (error = 'boom') => ({ ok: false, latencyMs: 10, error });
  const succeed = (latencyMs = 10) => ({ ok: true, latencyMs });

  it('opens after the threshold of consecutive failures, and a success in between starts the count again', async () => {
    const breakers = store();
    await breakers.record('email', fail(), 0);
    await breakers.record('email', fail(), 0);
    await breakers.record('email', succeed(), 0);
    await breakers.record('email', fail(), 0);
    expect(await breakers.record('email', fail(), 0)).toBe('closed');
    expect(await breakers.admit('email', 0)).toBe('pass');
    expect(await breakers.record('email', fail('535 auth failed'), 100)).toBe('open');

    expect(await breakers.admit('email', 200)).toBe('refused');
    expect(await breakers.admit('email', 1_099)).toBe('refused');
    expect(await breakers.health('email', 200)).toMatchObject({
      state: 'open',
      consecutive_failures: 3,
      last_error: '535 auth failed',
    });
    // Other channels have circuits of their own.
    expect(await breakers.admit('slack', 200)).toBe('pass');
  });

  it('after the open period lets exactly one probe through; its success closes the circuit', async () => {
    const breakers = store();
    for (let i = 0; i < 3; i++) await breakers.record('slack', fail(), 0);
    expect((await breakers.health('slack', 1_000)).state).toBe('half_open');

    const admissions = await Promise.all(Array.from({ length: 20 }, () => breakers.admit('slack', 1_000)));
    expect(admissions.filter((admission) => admission === 'probe')).toHaveLength(1);
    expect(admissions.filter((admission) => admission === 'refused')).toHaveLength(19);

    expect(await breakers.record('slack', succeed(), 1_050)).toBe('closed');
    expect(await breakers.admit('slack', 1_060)).toBe('pass');
    expect(await breakers.health('slack', 1_060)).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });

  it('re-opens for a whole period when the probe fails, and replaces a probe that never reported', async () => {
    const breakers = store();
    for (let i = 0; i < 3; i++) await breakers.record('webhook', fail(), 0);
    expect(await breakers.admit('webhook', 1_000)).toBe('probe');
    expect(await breakers.record('webhook', fail(), 1_200)).toBe('open');
    expect(await breakers.admit('webhook', 2_100)).toBe('refused');
    expect(await breakers.admit('webhook', 2_200)).toBe('probe');
    // That probe's worker died: nothing is recorded, and after a period another caller probes.
    expect(await breakers.admit('webhook', 3_100)).toBe('refused');
    expect(await breakers.admit('webhook', 3_200)).toBe('probe');
  });

  it('never changes state by reading it', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const breakers = new CircuitBreakerStore(redisFixture.client, keys, { threshold: 1, openMs: 1_000 });
    await breakers.record('email', fail(), 0);
    const before = await redisFixture.client.hgetall(keys.key('breaker', 'email'));
    expect((await breakers.health('email', 5_000)).state).toBe('half_open');
    await breakers.healthOfAll(5_000);
    expect(await redisFixture.client.hgetall(keys.key('breaker', 'email'))).toEqual(before);
    expect(before.state).toBe('open');
  });

  it('reports totals, the success rate and latency percentiles over the newest samples', async () => {
    const breakers = store(10);
    expect(await breakers.health('email')).toMatchObject({
      state: 'closed',
      successes: 0,
      success_rate: null,
      p50_ms: null,
      p95_ms: null,
      last_error: null,
    });
    // 20 old failures fall out of the 10-sample window; the totals keep them.
    for (let i = 0; i < 20; i++) await breakers.record('email', { ok: false, latencyMs: 5_000 }, 0);
    for (let ms = 1; ms <= 8; ms++) await breakers.record('email', succeed(ms * 100), 0);
    await breakers.record('email', fail('timeout'), 0);
    await breakers.record('email', succeed(900), 0);

    const health = await breakers.health('email', 0);
    expect(health).toMatchObject({ successes: 9, failures: 21, success_rate: 0.9, consecutive_failures: 0 });
    expect(health.p50_ms).toBe(400);
    expect(health.p95_ms).toBe(900);
    expect(health.last_error).toBe('timeout');
    expect(health.last_error_at).toBe(new Date(0).toISOString());
    expect(await breakers.healthOfAll(0)).toHaveLength(3);
  });

  it('says which channels the notifications service has set up', async () => {
    const breakers = store();
    expect((await breakers.healthOfAll()).map((health) => health.configured)).toEqual([false, false, false]);
    await breakers.announce(['email', 'webhook']);
    await breakers.record('email', succeed(), 0);
    expect((await breakers.healthOfAll()).map((health) => [health.channel, health.configured])).toEqual([
      ['email', true],
      ['slack', false],
      ['webhook', true],
    ]);
    await breakers.announce(['email']);
    expect((await breakers.health('webhook')).configured).toBe(false);
    expect((await breakers.health('email')).successes).toBe(1);
  });
});
