import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { sessionScopedKey } from './sessions.js';

/*
 * Keys
 *   {sb}:agent-wait:<sessionId>   STRING  JSON AgentWait: the human answer the session's agent waits for;
 *                                         PX = until a day after the feedback request expires.
 * Atomicity: `release` deletes only the wait it names (one script), so a late resume for an older
 * request cannot clear a newer wait.
 */

export interface AgentWait {
  request_id: string;
  /** The model's tool call that asked, to answer it with the human's reply. */
  tool_call: { id: string; name: string; arguments: string };
  /** The turn that asked. */
  turn_id: string;
  expires_at: string;
}

const releaseScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current).request_id ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

const graceMs = 24 * 3_600_000;

/** What a session's agent is waiting for: at most one human answer at a time. */
export class AgentWaitStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(sessionId: string): string {
    return sessionScopedKey(this.keys, 'agent-wait', sessionId);
  }

  async set(sessionId: string, wait: AgentWait): Promise<void> {
    const ttlMs = Math.max(1_000, new Date(wait.expires_at).getTime() - Date.now() + graceMs);
    await this.redis.set(this.key(sessionId), JSON.stringify(wait), 'PX', ttlMs);
  }

  async get(sessionId: string): Promise<AgentWait | null> {
    const json = await this.redis.get(this.key(sessionId));
    return json === null ? null : (JSON.parse(json) as AgentWait);
  }

  /** Ends the wait for `requestId`; false when the session waits for something else or nothing. */
  async release(sessionId: string, requestId: string): Promise<boolean> {
    return (await this.redis.eval(releaseScript, 1, this.key(sessionId), requestId)) === 1;
  }

  async delete(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }
}
