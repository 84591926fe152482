import { randomBytes, randomUUID } from 'node:crypto';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys
 *   {sb}:session:<id>        STRING  JSON SessionRecord; EX = idle TTL, renewed by `touch` (24 h idle expiry).
 *   {sb}:sessions-active     ZSET    session id by last activity (ms): counts active sessions without SCAN;
 *                                    members idle past the TTL are trimmed when counted.
 * Atomicity: `create` uses SET NX, so a caller-chosen id (000's POST /chat names its own) is created once.
 */

export interface SessionRecord {
  id: string;
  assistant: string;
  owner_id: string | null;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  metadata: Record<string, unknown>;
  /**
   * Bound into the session's tokens: a token outlives neither its session nor
   * a later session that reuses the same caller-chosen id.
   */
  token_nonce: string;
}

export interface NewSession {
  assistant: string;
  ownerId?: string;
  metadata?: Record<string, unknown>;
  /** A caller-chosen id; a new UUID when omitted. */
  id?: string;
}

/** Session ids chosen by callers (000's `session_id`) must stay usable as key parts and topic ids. */
export const sessionIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly idleTtlS: number,
  ) {}

  private key(id: string): string {
    return this.keys.key('session', id);
  }

  private get activeKey(): string {
    return this.keys.key('sessions-active');
  }

  /** Creates the session, or returns null when the id is taken. */
  async create(input: NewSession, now = new Date()): Promise<SessionRecord | null> {
    const id = input.id ?? randomUUID();
    if (!sessionIdPattern.test(id)) throw new TypeError(`invalid session id ${JSON.stringify(id)}`);
    const record: SessionRecord = {
      id,
      assistant: input.assistant,
      owner_id: input.ownerId ?? null,
      created_at: now.toISOString(),
      last_active_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.idleTtlS * 1000).toISOString(),
      metadata: input.metadata ?? {},
      token_nonce: randomBytes(12).toString('base64url'),
    };
    const created = await this.redis.set(this.key(id), JSON.stringify(record), 'EX', this.idleTtlS, 'NX');
    if (created !== 'OK') return null;
    await this.redis.zadd(this.activeKey, now.getTime(), id);
    return record;
  }

  async get(id: string): Promise<SessionRecord | null> {
    if (!sessionIdPattern.test(id)) return null;
    const value = await this.redis.get(this.key(id));
    return value === null ? null : (JSON.parse(value) as SessionRecord);
  }

  async exists(id: string): Promise<boolean> {
    return sessionIdPattern.test(id) && (await this.redis.exists(this.key(id))) === 1;
  }

  /** Marks activity: the idle expiry starts again. */
  async touch(id: string, now = new Date()): Promise<SessionRecord | null> {
    const record = await this.get(id);
    if (!record) return null;
    record.last_active_at = now.toISOString();
    record.expires_at = new Date(now.getTime() + this.idleTtlS * 1000).toISOString();
    await this.redis
      .multi()
      .set(this.key(id), JSON.stringify(record), 'EX', this.idleTtlS, 'XX')
      .zadd(this.activeKey, now.getTime(), id)
      .exec();
    return record;
  }

  async delete(id: string): Promise<boolean> {
    if (!sessionIdPattern.test(id)) return false;
    const [[, deleted]] = (await this.redis.multi().del(this.key(id)).zrem(this.activeKey, id).exec()) as [
      [unknown, number],
      unknown,
    ];
    return deleted === 1;
  }

  /** Sessions active within the idle TTL. */
  async countActive(now = Date.now()): Promise<number> {
    const [, [, count]] = (await this.redis
      .multi()
      .zremrangebyscore(this.activeKey, '-inf', now - this.idleTtlS * 1000)
      .zcard(this.activeKey)
      .exec()) as [unknown, [unknown, number]];
    return count;
  }
}
