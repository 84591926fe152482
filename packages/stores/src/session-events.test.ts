import { compareStreamIds } from '@switchboard/contracts/session-events';
import { topics } from '@switchboard/contracts/topics';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { SessionEventLog } from './session-events.js';

describe('SessionEventLog', () => {
  const redisFixture = usePrivateRedis();

  it('appends to a stream that expires with the session, and publishes each entry with its stream id', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const log = new SessionEventLog(redisFixture.client, keys, 600);
    const listener = redisFixture.redis.client();
    const received: unknown[] = [];
    listener.on('message', (_channel, message) => received.push(JSON.parse(message)));
    await listener.subscribe(keys.channel(topics.session.channel('s1')));

    const first = await log.append('s1', 'chunk', { content: 'Hel' });
    const second = await log.append('s1', 'message', { message: 'Hello', is_complete: false });

    expect(compareStreamIds(first.id, second.id)).toBe(-1);
    const ttl = await redisFixture.client.ttl(keys.key('session-events', 's1'));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    await expect.poll(() => received.length).toBe(2);
    expect(received).toEqual([first, second]);
    expect(topics.session.eventValidator.Check(received[0])).toBe(true);
  });

  it('reads entries after an id, exclusive, oldest first, a page at a time', async () => {
    const log = new SessionEventLog(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 600);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await log.append('s2', 'chunk', { content: String(i) })).id);

    expect((await log.after('s2', '0-0')).map((entry) => entry.id)).toEqual(ids);
    const page = await log.after('s2', ids[1]!, 2);
    expect(page.map((entry) => entry.data)).toEqual([{ content: '2' }, { content: '3' }]);
    expect(await log.after('s2', ids[4]!)).toEqual([]);
    expect(await log.after('never-written', '0-0')).toEqual([]);
  });

  it('keeps the stream capped', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const log = new SessionEventLog(redisFixture.client, keys, 600, 10);
    for (let i = 0; i < 300; i++) await log.append('s3', 'chunk', { content: String(i) });
    // MAXLEN ~ trims whole macro nodes (100 entries by default), so the cap is approximate.
    expect(await redisFixture.client.xlen(keys.key('session-events', 's3'))).toBeLessThanOrEqual(110);
  });

  it('refuses bad ids and data that break the contract, writing nothing', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const log = new SessionEventLog(redisFixture.client, keys, 600);
    await expect(log.after('s4', 'latest')).rejects.toThrow(/stream entry id/);
    await expect(log.after('s4', '1-2-3')).rejects.toThrow(/stream entry id/);
    await expect(log.append('bad id', 'chunk', { content: 'x' })).rejects.toThrow(/session id/);
    // @ts-expect-error: a chunk needs its content
    await expect(log.append('s4', 'chunk', { text: 'x' })).rejects.toThrow(/invalid chunk/);
    expect(await redisFixture.client.exists(keys.key('session-events', 's4'))).toBe(0);
  });

  it('skips an entry written by hand that breaks the contract', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const log = new SessionEventLog(redisFixture.client, keys, 600);
    await redisFixture.client.xadd(
      keys.key('session-events', 's5'),
      '*',
      'event',
      'chunk',
      'data',
      '{not json',
    );
    await redisFixture.client.xadd(keys.key('session-events', 's5'), '*', 'event', 'nonsense', 'data', '{}');
    const good = await log.append('s5', 'done', { is_complete: true });
    expect(await log.after('s5', '0-0')).toEqual([good]);
  });
});
