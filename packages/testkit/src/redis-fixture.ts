import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type PrivateRedis, startRedis } from './redis-server.js';

export interface PrivateRedisFixture {
  /** The private server; set once `beforeAll` has run. */
  readonly redis: PrivateRedis;
  /** One shared plain client, made on first use; closed with the server. */
  readonly client: Redis;
}

/**
 * A private Redis for the enclosing `describe` (or file): started in
 * `beforeAll`, stopped in `afterAll`. Call it before hooks that need the
 * server, so it starts before them and stops after them.
 */
export function usePrivateRedis(): PrivateRedisFixture {
  let redis: PrivateRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    const running = redis;
    redis = undefined;
    client = undefined;
    await running?.stop();
  });
  const started = (): PrivateRedis => {
    if (!redis) throw new Error('usePrivateRedis: the server is only there between beforeAll and afterAll');
    return redis;
  };
  return {
    get redis() {
      return started();
    },
    get client() {
      client ??= started().client();
      return client;
    },
  };
}
