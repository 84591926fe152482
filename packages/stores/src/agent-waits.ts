import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { sessionScopedKey } from './sessions.js';

/*
 * Keys
 *   {sb}:agent-waits:<sessionId>   HASH  request id → JSON AgentWait: the human answers the session's agent
 *                                        waits for (one per question it asked); PEXPIRE (only ever pushed
 *                                        later) = a day after the latest of those questions expires.
 * Atomicity: `release` is one HDEL, so of two resumptions for one answer only one finds the wait.
 */

export interface AgentWait {
  request_id: string;
  /** The model's tool call that asked, to answer it with the human's reply. */
  tool_call: { id: string; name: string; arguments: string };
  /** The turn that asked. */
  turn_id: string;
  expires_at: string;
}

const graceMs = 24 * 3_600_000;

/** What a session's agent is waiting for: the human answers to the questions it asked. */
export class AgentWaitStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(sessionId: string): string {
    return sessionScopedKey(this.keys, 'agent-waits', sessionId);
  }

  async set(sessionId: string, wait: AgentWait): Promise<void> {
    const key = this.key(sessionId);
    const ttlMs = Math.max(1_000, new Date(wait.expires_at).getTime() - Date.now() + graceMs);
    await this.redis
      .multi()
      .hset(key, wait.request_id, JSON.stringify(wait))
      .pexpire(key, ttlMs, 'GT')
      .pexpire(key, ttlMs, 'NX')
      .exec();
  }

  async get(sessionId: string, requestId: string): Promise<AgentWait | null> {
    const json = await this.redis.hget(this.key(sessionId), requestId);
    return json === null ? null : (JSON.parse(json) as AgentWait);
  }

  /** Ends the wait for `requestId`; false when the session was not (or no longer) waiting for it. */
  async release(sessionId: string, requestId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(sessionId), requestId)) === 1;
  }

  async delete(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }
}
