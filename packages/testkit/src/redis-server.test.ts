import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startRedis } from './redis-server.js';

describe('startRedis', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  it('runs a private server on a free port, never the machine one', async () => {
    expect(redis.port).not.toBe(6379);
    const client = redis.client();
    expect(await client.ping()).toBe('PONG');
    const info = await client.info('server');
    expect(info).toContain(`tcp_port:${redis.port}`);
  });

  it('hands out distinct key prefixes', () => {
    expect(redis.prefix()).not.toBe(redis.prefix());
  });

  it('restarts on the same port, really gone in between, and clients reconnect', async () => {
    const client = redis.client();
    expect(await client.ping()).toBe('PONG');
    const { Redis } = await import('ioredis');
    await redis.restart(async () => {
      const probe = new Redis(redis.port, '127.0.0.1', {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => {});
      await expect(probe.connect()).rejects.toThrow();
      probe.disconnect();
    });
    expect(await client.ping()).toBe('PONG');
    expect(await client.info('server')).toContain(`tcp_port:${redis.port}`);
  });

  it('stops the server and frees the port', async () => {
    const other = await startRedis();
    const client = other.client();
    await client.ping();
    await other.stop();
    const { Redis } = await import('ioredis');
    const probe = new Redis(other.port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });
});
