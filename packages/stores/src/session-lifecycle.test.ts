import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { SessionLimitError, SessionStore } from './sessions.js';

describe('SessionStore: owners, limits, lists and stop', () => {
  const redisFixture = usePrivateRedis();
  const store = (idleTtlS = 600) => {
    const keys = redisKeys(redisFixture.redis.prefix());
    return { keys, sessions: new SessionStore(redisFixture.client, keys, idleTtlS) };
  };

  it('refuses an owner their 4th active session, naming the three that count', async () => {
    const { sessions } = store();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await sessions.create({ assistant: 'agent', ownerId: 'u1', maxPerOwner: 3 });
      ids.push(created!.id);
    }
    const refused = await sessions
      .create({ assistant: 'agent', ownerId: 'u1', maxPerOwner: 3 })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(SessionLimitError);
    expect(refused.code).toBe('SB_SESSION_LIMIT');
    expect(refused.statusCode).toBe(409);
    expect([...refused.activeSessionIds].sort()).toEqual([...ids].sort());
    // Another owner, an anonymous caller and a caller without a limit are not affected.
    expect(await sessions.create({ assistant: 'agent', ownerId: 'u2', maxPerOwner: 3 })).not.toBeNull();
    expect(await sessions.create({ assistant: 'lead' })).not.toBeNull();
    expect(await sessions.create({ assistant: 'agent', ownerId: 'u1' })).not.toBeNull();
  });

  it('lets exactly 3 of 10 concurrent creates for one owner through', async () => {
    const { sessions } = store();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        sessions.create({ assistant: 'agent', ownerId: 'u1', maxPerOwner: 3 }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    const refusals = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refusals).toHaveLength(7);
    for (const refusal of refusals) expect(refusal.reason).toBeInstanceOf(SessionLimitError);
    expect((await sessions.list({ ownerId: 'u1', offset: 0, limit: 10 })).total).toBe(3);
  });

  it('frees a slot when a session is deleted, expires idle, vanishes or is stopped', async () => {
    const { keys, sessions } = store(600);
    const t0 = new Date('2025-01-01T00:00:00Z');
    const create = (now = t0) => sessions.create({ assistant: 'agent', ownerId: 'u1', maxPerOwner: 3 }, now);
    const [a, b, c] = [await create(), await create(), await create()];
    await expect(create()).rejects.toBeInstanceOf(SessionLimitError);

    expect(await sessions.delete(a!.id)).toBe(true);
    const d = await create();
    expect(d).not.toBeNull();

    // Its key gone without a delete (expired): the index entry no longer counts.
    await redisFixture.client.del(keys.key('session', b!.id));
    const e = await create();
    expect(e).not.toBeNull();

    expect((await sessions.stop(c!.id, {}, t0))?.alreadyStopped).toBe(false);
    // Activity on a stopped session does not make it count again.
    await sessions.touch(c!.id, t0);
    expect(await create()).not.toBeNull();
    const refused = await create().catch((error) => error);
    expect(refused).toBeInstanceOf(SessionLimitError);
    expect(refused.activeSessionIds).not.toContain(c!.id);

    // Past the idle TTL since their last activity, none of them counts any more.
    const later = new Date(t0.getTime() + 601_000);
    expect(await create(later)).not.toBeNull();
  });

  it('is not fooled by metadata that looks like a stopped status', async () => {
    const { sessions } = store();
    const create = () =>
      sessions.create({ assistant: 'agent', ownerId: 'u1', maxPerOwner: 1, metadata: { status: 'stopped' } });
    await create();
    await expect(create()).rejects.toBeInstanceOf(SessionLimitError);
  });

  it('returns null, not a limit error, for a taken caller-chosen id', async () => {
    const { sessions } = store();
    await sessions.create({ assistant: 'dispatch', id: 's1', ownerId: 'u1', maxPerOwner: 1 });
    expect(
      await sessions.create({ assistant: 'dispatch', id: 's1', ownerId: 'u1', maxPerOwner: 1 }),
    ).toBeNull();
  });

  it('lists by latest activity, newest first, a page at a time, per owner or for everyone', async () => {
    const { sessions } = store();
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const owner = i % 2 === 0 ? { ownerId: 'u1' } : {};
      ids.push((await sessions.create({ assistant: 'lead', ...owner }, new Date(t0 + i * 1000)))!.id);
    }
    await sessions.touch(ids[0]!, new Date(t0 + 10_000));

    const now = t0 + 20_000;
    const all = await sessions.list({ offset: 0, limit: 2 }, now);
    expect(all.total).toBe(5);
    expect(all.sessions.map((session) => session.id)).toEqual([ids[0], ids[4]]);
    const next = await sessions.list({ offset: 2, limit: 2 }, now);
    expect(next.sessions.map((session) => session.id)).toEqual([ids[3], ids[2]]);

    const mine = await sessions.list({ ownerId: 'u1', offset: 0, limit: 10 }, now);
    expect(mine.total).toBe(3);
    expect(mine.sessions.map((session) => session.id)).toEqual([ids[0], ids[4], ids[2]]);
    expect((await sessions.list({ ownerId: 'nobody', offset: 0, limit: 10 }, now)).sessions).toEqual([]);

    await sessions.delete(ids[4]!);
    const after = await sessions.list({ ownerId: 'u1', offset: 0, limit: 10 }, now);
    expect(after.sessions.map((session) => session.id)).toEqual([ids[0], ids[2]]);
    expect(after.total).toBe(2);
  });

  it('stops once, keeps the metrics, and says so when stopped again', async () => {
    const { sessions } = store();
    const created = await sessions.create({ assistant: 'general', ownerId: 'u1' });
    expect(created?.status).toBe('active');
    const stoppedAt = new Date(Date.now() + 5000);
    const first = await sessions.stop(created!.id, { messages_sent: 3, messages_received: 3 }, stoppedAt);
    expect(first?.alreadyStopped).toBe(false);
    expect(first?.record).toMatchObject({
      status: 'stopped',
      stopped_at: stoppedAt.toISOString(),
      metrics: { messages_sent: 3, messages_received: 3 },
    });
    const second = await sessions.stop(created!.id, { messages_sent: 99 });
    expect(second?.alreadyStopped).toBe(true);
    expect(second?.record.metrics).toEqual({ messages_sent: 3, messages_received: 3 });
    expect(await sessions.stop('unknown-session', {})).toBeNull();
    expect(await sessions.stop('bad id', {})).toBeNull();

    // Activity afterwards renews the session but does not undo the stop.
    await sessions.touch(created!.id);
    expect((await sessions.get(created!.id))?.status).toBe('stopped');
  });

  it('never loses a stop to concurrent touches', async () => {
    const { sessions } = store();
    const created = await sessions.create({ assistant: 'general' });
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => sessions.touch(created!.id)),
      sessions.stop(created!.id, { messages_sent: 1 }),
      ...Array.from({ length: 5 }, () => sessions.touch(created!.id)),
    ]);
    expect(results.every((result) => result !== null)).toBe(true);
    expect((await sessions.get(created!.id))?.status).toBe('stopped');
  });

  it('keeps the owner index as long as the owner is active', async () => {
    const { keys, sessions } = store(600);
    const created = await sessions.create({ assistant: 'agent', ownerId: 'u1' });
    const ownerKey = keys.key('sessions-by-owner', 'u1');
    expect(await redisFixture.client.zscore(ownerKey, created!.id)).not.toBeNull();
    await redisFixture.client.expire(ownerKey, 5);
    await sessions.touch(created!.id);
    expect(await redisFixture.client.ttl(ownerKey)).toBeGreaterThan(5);
    await sessions.delete(created!.id);
    expect(await redisFixture.client.zscore(ownerKey, created!.id)).toBeNull();
  });
});
