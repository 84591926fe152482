import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrivateRedis } from './redis-server.js';

/**
 * Environment for building a service against a private Redis: its own key
 * prefix (so services built in one test file share state only when they
 * share the env), silent logs and quick heartbeats. Pass it to `loadConfig`.
 */
export function testEnv(redis: PrivateRedis, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix(),
    // Generated secrets and outboxes go to a scratch dir, never the checkout's .data.
    DATA_DIR: join(tmpdir(), `sb-test-data-${process.pid}`),
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    HEARTBEAT_TTL_S: '3',
    RETRY_BASE_MS: '50',
    RETRY_MAX_ATTEMPTS: '3',
    ...overrides,
  };
}
