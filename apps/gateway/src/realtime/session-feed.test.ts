import { topics } from '@switchboard/contracts/topics';
import { createLogger } from '@switchboard/runtime/logger';
import { createMetrics } from '@switchboard/runtime/metrics';
import { EventSubscriber } from '@switchboard/runtime/pubsub';
import { type RedisKeys, redisKeys } from '@switchboard/runtime/redis-keys';
import { SessionEventLog } from '@switchboard/stores/session-events';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followSession } from './session-feed.js';
import { TopicFanout } from './topic-fanout.js';

describe('followSession', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let keys: RedisKeys;
  let log: SessionEventLog;
  let fanout: TopicFanout<typeof topics.session>;

  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
    keys = redisKeys(redis.prefix());
    log = new SessionEventLog(client, keys, 600);
    const logger = createLogger({ service: 'gateway', level: 'silent' });
    const subscriber = new EventSubscriber(redis.client(), keys, logger, createMetrics('gateway'));
    fanout = new TopicFanout(subscriber, topics.session, logger);
  });
  afterAll(() => redis.stop());

  const subscribers = async (sessionId: string) =>
    ((await client.pubsub('NUMSUB', keys.channel(topics.session.channel(sessionId)))) as [string, number])[1];

  it('joins a replay to the live feed with every entry once, in order, even one appended mid-replay', async () => {
    const first = await log.append('s1', 'chunk', { content: 'a' });
    await log.append('s1', 'chunk', { content: 'b' });
    await log.append('s1', 'chunk', { content: 'c' });
    const delivered: string[] = [];
    let midReplay = false;
    const stop = await followSession({
      fanout,
      log,
      sessionId: 's1',
      afterId: first.id,
      target: {
        deliver: (entry) => delivered.push((entry.data as { content: string }).content),
        // The first pause of the replay is where a live entry lands: it is both in the
        // stream (read by the replay) and published (held), and must go out once.
        drained: async () => {
          if (midReplay) return;
          midReplay = true;
          await log.append('s1', 'chunk', { content: 'mid' });
          await new Promise((resolve) => setTimeout(resolve, 50));
        },
      },
    });
    await log.append('s1', 'chunk', { content: 'live' });
    await expect.poll(() => delivered.length).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(delivered).toEqual(['b', 'c', 'mid', 'live']);

    await stop();
    expect(await subscribers('s1')).toBe(0);
  });

  it('without an id to resume after, follows only what is appended from then on', async () => {
    await log.append('s2', 'chunk', { content: 'old' });
    const delivered: string[] = [];
    const stop = await followSession({
      fanout,
      log,
      sessionId: 's2',
      target: {
        deliver: (entry) => delivered.push((entry.data as { content: string }).content),
        drained: async () => {},
      },
    });
    await log.append('s2', 'chunk', { content: 'new' });
    await expect.poll(() => delivered).toEqual(['new']);
    await stop();
  });

  it('shares one subscription between followers of a session and drops it with the last', async () => {
    const target = { deliver: () => {}, drained: async () => {} };
    const stops = await Promise.all(
      [1, 2, 3].map(() => followSession({ fanout, log, sessionId: 's3', target })),
    );
    expect(await subscribers('s3')).toBe(1);
    await stops[0]!();
    await stops[1]!();
    expect(await subscribers('s3')).toBe(1);
    await stops[2]!();
    expect(await subscribers('s3')).toBe(0);
    expect(fanout.size).toBe(0);
  });
});
