import type { ServiceIdentity } from '@switchboard/runtime/lifecycle';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { ServiceRegistry } from './service-registry.js';

const identity = (name: ServiceIdentity['name'], instance: string): ServiceIdentity => ({
  name,
  instance,
  version: '1.0.0',
  startedAt: new Date(Date.now() - 60_000),
});

describe('ServiceRegistry', () => {
  const redisFixture = usePrivateRedis();

  it('lists instances with a fresh heartbeat, grouped by service', async () => {
    const registry = new ServiceRegistry(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 5_000);
    await registry.beat(identity('chat', 'c1'));
    await registry.beat(identity('chat', 'c2'));
    await registry.beat(identity('gateway', 'g1'));
    const byService = await registry.liveByService();
    expect(
      byService
        .get('chat')
        ?.map((instance) => instance.instance)
        .sort(),
    ).toEqual(['c1', 'c2']);
    expect(byService.get('gateway')?.[0]).toMatchObject({
      service: 'gateway',
      version: '1.0.0',
      pid: process.pid,
    });
    expect(byService.get('integration')).toBeUndefined();
  });

  it('forgets an instance at once when it clears, and after its TTL when it just dies', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const registry = new ServiceRegistry(redisFixture.client, keys, 300);
    await registry.beat(identity('chat', 'graceful'));
    await registry.beat(identity('notifications', 'crashed'));
    await registry.clear({ name: 'chat', instance: 'graceful' });
    expect((await registry.live()).map((instance) => instance.instance)).toEqual(['crashed']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await registry.live()).toEqual([]);
    expect(await redisFixture.client.exists(keys.key('heartbeat', 'notifications', 'crashed'))).toBe(0);
  });

  it('keeps every key under the prefix hash tag', async () => {
    const prefix = redisFixture.redis.prefix();
    const registry = new ServiceRegistry(redisFixture.client, redisKeys(prefix), 5_000);
    await registry.beat(identity('integration', 'i1'));
    const written = await redisFixture.client.keys(`*${prefix}*`);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((key) => key.startsWith(`{${prefix}}:`))).toBe(true);
  });

  it('skips a corrupted heartbeat instead of failing the listing', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const registry = new ServiceRegistry(redisFixture.client, keys, 5_000);
    await registry.beat(identity('chat', 'good'));
    await redisFixture.client.set(keys.key('heartbeat', 'chat', 'bad'), '{not json', 'PX', 5_000);
    await redisFixture.client.zadd(keys.key('services'), Date.now(), 'chat:bad');
    expect((await registry.live()).map((instance) => instance.instance)).toEqual(['good']);
  });
});
