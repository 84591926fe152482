import { topics } from '@switchboard/contracts/topics';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { EventPublisher, EventSubscriber } from './pubsub.js';
import { RedisConnections } from './redis-connections.js';
import { redisKeys } from './redis-keys.js';

const stopping = { type: 'service_stopping', service: 'chat', instance: 'abc', reason: 'shutdown' } as const;

function nextEvent<T>(register: (resolve: (value: T) => void) => void, timeoutMs = 2_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no event')), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('typed pub/sub', () => {
  let redis: PrivateRedis;
  let connections: RedisConnections;
  let publisher: EventPublisher;
  let subscriber: EventSubscriber;
  let keys: ReturnType<typeof redisKeys>;
  const logger = createLogger({ service: 'gateway', level: 'silent' });
  const metrics = createMetrics('gateway');

  beforeAll(async () => {
    redis = await startRedis();
    keys = redisKeys(redis.prefix());
    connections = new RedisConnections(redis.url, 'gateway', logger);
    publisher = new EventPublisher(connections.create('commands'), keys, metrics);
    subscriber = new EventSubscriber(connections.create('subscriber'), keys, logger, metrics);
  });
  afterAll(async () => {
    await connections.closeAll();
    await redis.stop();
  });

  it('delivers a valid event to every listener over one subscription', async () => {
    const seen: unknown[] = [];
    const offA = await subscriber.subscribe(topics.system, (event) => seen.push(['a', event]));
    const received = nextEvent<unknown>((resolve) => subscriber.subscribe(topics.system, resolve));
    expect(subscriber.channelCount).toBe(1);
    const count = await redis.client().pubsub('NUMSUB', keys.channel('system'));
    expect(count).toEqual([keys.channel('system'), 1]);
    await publisher.publish(topics.system, stopping);
    expect(await received).toEqual(stopping);
    expect(seen).toEqual([['a', stopping]]);
    await offA();
  });

  it('refuses to publish an event that breaks the topic contract', async () => {
    await expect(publisher.publish(topics.system, { type: 'service_stopping' } as never)).rejects.toThrow(
      /invalid system event/,
    );
  });

  it('drops received events that are not JSON or break the contract, and keeps going', async () => {
    const seen: unknown[] = [];
    await subscriber.subscribe(topics.system, (event) => seen.push(event));
    const raw = redis.client();
    await raw.publish(keys.channel('system'), 'not json');
    await raw.publish(keys.channel('system'), JSON.stringify({ type: 'made_up' }));
    const received = nextEvent<unknown>((resolve) => subscriber.subscribe(topics.system, resolve));
    await publisher.publish(topics.system, stopping);
    await received;
    expect(seen).toEqual([stopping]);
  });

  it('unsubscribes from Redis when the last listener leaves', async () => {
    const keysB = redisKeys(redis.prefix());
    const own = new EventSubscriber(connections.create('subscriber'), keysB, logger, metrics);
    const off1 = await own.subscribe(topics.system, () => {});
    const off2 = await own.subscribe(topics.system, () => {});
    await off1();
    expect(own.channelCount).toBe(1);
    await off2();
    expect(own.channelCount).toBe(0);
    expect(await redis.client().pubsub('NUMSUB', keysB.channel('system'))).toEqual([
      keysB.channel('system'),
      0,
    ]);
  });
});
