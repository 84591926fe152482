import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * - `commands`: request-path reads and writes; fails fast (a few retries, a
 *   per-command timeout) so an HTTP handler answers 503 instead of hanging
 *   while Redis is away or stalled.
 * - `subscriber`: pub/sub only; resubscribes by itself after a reconnect.
 * - `worker`: BullMQ workers and queue-event listeners, which block on Redis and
 *   must retry forever (`maxRetriesPerRequest: null`, as BullMQ requires).
 */
export type RedisRole = 'commands' | 'subscriber' | 'worker';

const roleOptions: Record<RedisRole, RedisOptions> = {
  // commandTimeout: a Redis that accepts the connection but stops answering must not hang requests.
  commands: { maxRetriesPerRequest: 2, enableOfflineQueue: true, commandTimeout: 1_500 },
  subscriber: { maxRetriesPerRequest: null, autoResubscribe: true },
  worker: { maxRetriesPerRequest: null, enableReadyCheck: true },
};

/**
 * Every Redis connection a service opens, so shutdown can close them all,
 * last, after the HTTP server and workers that use them have stopped.
 */
export class RedisConnections {
  private readonly open = new Set<Redis>();

  constructor(
    private readonly url: string,
    private readonly service: string,
    private readonly logger: Logger,
  ) {}

  create(role: RedisRole, purpose: string = role): Redis {
    const connection = new Redis(this.url, {
      ...roleOptions[role],
      connectionName: `sb:${this.service}:${purpose}`,
      connectTimeout: 5_000,
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
    });
    let lastError = '';
    connection.on('error', (error: Error) => {
      // ioredis repeats the same error on every retry; one line per change is enough.
      if (error.message === lastError) return;
      lastError = error.message;
      this.logger.warn({ err: error, purpose }, 'redis connection error');
    });
    connection.on('ready', () => {
      lastError = '';
    });
    this.open.add(connection);
    connection.once('end', () => this.open.delete(connection));
    return connection;
  }

  /** QUIT each connection, or drop it when Redis does not answer in time. */
  async closeAll(timeoutMs = 2_000): Promise<void> {
    await Promise.all(
      [...this.open].map(async (connection) => {
        if (connection.status === 'end') return;
        const dropped = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            connection.disconnect();
            resolve();
          }, timeoutMs);
          connection.once('end', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (connection.status === 'ready') {
          await connection.quit().catch(() => connection.disconnect());
        } else {
          connection.disconnect();
        }
        await dropped;
      }),
    );
  }
}
