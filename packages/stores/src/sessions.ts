import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '@switchboard/runtime/app-error';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys
 *   {sb}:session:<id>                        STRING  JSON SessionRecord; EX = idle TTL, renewed by `touch` and `stop`
 *                                                    (24 h idle expiry).
 *   {sb}:sessions-active                     ZSET    session id by last activity (ms): counts and lists sessions
 *                                                    without SCAN; members idle past the TTL are trimmed when read.
 *   {sb}:sessions-by-owner:<userId>          ZSET    the owner's sessions by last activity (ms), stopped ones
 *                                                    included: their list. Trimmed to the newest 1000 on write.
 *   {sb}:sessions-live-by-owner:<userId>     ZSET    the owner's sessions not stopped, by last activity (ms): what
 *                                                    the per-owner limit counts (stays as small as the limit).
 *   Both owner indexes: EXPIRE = idle TTL, renewed by every write; ids idle past the TTL or whose record is
 *   gone (expired, deleted) are trimmed when the limit is checked or the list is read.
 *   A caller-chosen id is refused while a completed lead carries it (leads.ts). Everything else an earlier
 *   session of the same id left is told apart by `token_nonce`, the session's generation: turns and events
 *   of another generation are not written (chat-turns.ts, session-events.ts).
 * Atomicity: `create` is one script (SET NX, so a caller-chosen id such as 000's POST /chat's is created
 * once; with `maxPerOwner`, the owner's count and the creation happen together, so concurrent creates
 * never pass the limit). `touch` and `stop` replace the record only if it is unchanged since read
 * (compare-and-set script, retried), so a stop is never undone by a concurrent touch.
 * Stopped sessions (002's session stop) stay readable and listed until they expire, but no longer count
 * toward their owner's limit.
 */

export type SessionStatus = 'active' | 'stopped';

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
  /** Absent on records written before sessions could be stopped: those are active. */
  status?: SessionStatus;
  stopped_at?: string;
  /** What the client reported when it stopped the session (002: `messages_sent`, `messages_received`). */
  metrics?: Record<string, unknown>;
}

export interface NewSession {
  assistant: string;
  ownerId?: string;
  metadata?: Record<string, unknown>;
  /** A caller-chosen id; a new UUID when omitted. */
  id?: string;
  /** With `ownerId`: refuse (SessionLimitError) when the owner already has this many active sessions. */
  maxPerOwner?: number;
}

export interface SessionPage {
  sessions: SessionRecord[];
  /** Sessions in the index after trimming, so a client can page through them. */
  total: number;
}

/** Session ids chosen by callers (000's `session_id`) must stay usable as key parts and topic ids. */
export const sessionIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The key of a session's data in another store; an id that could not be a session's is refused. */
export function sessionScopedKey(keys: RedisKeys, name: string, sessionId: string): string {
  if (!sessionIdPattern.test(sessionId))
    throw new TypeError(`invalid session id ${JSON.stringify(sessionId)}`);
  return keys.key(name, sessionId);
}

/** 003's limit: a user has at most N active sessions; the 4th is refused with the ones that count. */
export class SessionLimitError extends AppError {
  constructor(
    readonly maxPerOwner: number,
    readonly activeSessionIds: string[],
  ) {
    super(
      'SB_SESSION_LIMIT',
      `User cannot have more than ${maxPerOwner} active sessions; stop or delete one first.`,
      { max_sessions: maxPerOwner, active_session_ids: activeSessionIds },
    );
    this.name = 'SessionLimitError';
  }
}

// KEYS: session, active index, [owner index, owner's live index]. ARGV: record JSON, idle TTL s, now ms, id,
// max per owner ('' = no limit), session key prefix, owner index length.
const createScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'taken'} end
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if KEYS[4] and ARGV[5] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - ttl * 1000)
  local live = {}
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    if redis.call('EXISTS', ARGV[6] .. id) == 1 then table.insert(live, id) else redis.call('ZREM', KEYS[4], id) end
  end
  if #live >= tonumber(ARGV[5]) then return {'limit', unpack(live)} end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], now, ARGV[4])
if KEYS[3] then
  redis.call('ZADD', KEYS[3], now, ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[7]) - 1)
  redis.call('EXPIRE', KEYS[3], ttl)
  redis.call('ZADD', KEYS[4], now, ARGV[4])
  redis.call('EXPIRE', KEYS[4], ttl)
end
return {'created'}
`;

// KEYS: session, active index, [owner index, owner's live index]. ARGV: the record as read, the new record,
// idle TTL s, now ms, id, '1' when the new record is live (not stopped).
const replaceScript = `
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
if KEYS[3] then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
  redis.call('EXPIRE', KEYS[3], ARGV[3])
  if ARGV[6] == '1' then
    redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
    redis.call('EXPIRE', KEYS[4], ARGV[3])
  else
    redis.call('ZREM', KEYS[4], ARGV[5])
  end
end
return 1
`;

/** Compare-and-set attempts before giving up: only a burst of writes to one session gets near it. */
const maxReplaceAttempts = 50;
const maxListPage = 500;
/** How many of an owner's sessions their list keeps (stopped ones pile up until they expire). */
const ownerIndexLength = 1000;

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

  private ownerKey(ownerId: string): string {
    return this.keys.key('sessions-by-owner', ownerId);
  }

  private ownerLiveKey(ownerId: string): string {
    return this.keys.key('sessions-live-by-owner', ownerId);
  }

  /** The keys a write to this session touches: its record, the active index, and its owner's indexes. */
  private writeKeys(id: string, ownerId: string | null): string[] {
    const keys = [this.key(id), this.activeKey];
    if (ownerId) keys.push(this.ownerKey(ownerId), this.ownerLiveKey(ownerId));
    return keys;
  }

  private expiresAt(now: Date): string {
    return new Date(now.getTime() + this.idleTtlS * 1000).toISOString();
  }

  /**
   * Creates the session, or returns null when the id is taken. With an owner
   * and `maxPerOwner`, throws SessionLimitError when the owner already has
   * that many active (not stopped, not expired) sessions.
   */
  async create(input: NewSession, now = new Date()): Promise<SessionRecord | null> {
    const id = input.id ?? randomUUID();
    if (!sessionIdPattern.test(id)) throw new TypeError(`invalid session id ${JSON.stringify(id)}`);
    // A caller-chosen id whose earlier session completed a lead stays taken: that lead is kept for good.
    if (input.id !== undefined && (await this.redis.zscore(this.keys.key('leads-completed'), id)) !== null) {
      return null;
    }
    const record: SessionRecord = {
      id,
      assistant: input.assistant,
      owner_id: input.ownerId ?? null,
      created_at: now.toISOString(),
      last_active_at: now.toISOString(),
      expires_at: this.expiresAt(now),
      metadata: input.metadata ?? {},
      token_nonce: randomBytes(12).toString('base64url'),
      status: 'active',
    };
    const keys = this.writeKeys(id, record.owner_id);
    const limit = record.owner_id !== null && input.maxPerOwner !== undefined ? input.maxPerOwner : undefined;
    const [outcome, ...activeIds] = (await this.redis.eval(
      createScript,
      keys.length,
      ...keys,
      JSON.stringify(record),
      String(this.idleTtlS),
      String(now.getTime()),
      id,
      limit === undefined ? '' : String(limit),
      this.keys.keyPrefix('session'),
      String(ownerIndexLength),
    )) as string[];
    if (outcome === 'taken') return null;
    if (outcome === 'limit') throw new SessionLimitError(limit ?? 0, activeIds);
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
    const outcome = await this.replace(id, now, (record) => ({
      ...record,
      last_active_at: now.toISOString(),
      expires_at: this.expiresAt(now),
    }));
    return outcome?.record ?? null;
  }

  /**
   * 002's session stop: records the client's metrics and when it stopped.
   * Stopping again changes nothing and says so (`alreadyStopped`); null when
   * the session is unknown or expired.
   */
  async stop(
    id: string,
    metrics: Record<string, unknown>,
    now = new Date(),
  ): Promise<{ record: SessionRecord; alreadyStopped: boolean } | null> {
    const outcome = await this.replace(id, now, (record) =>
      record.status === 'stopped'
        ? null
        : {
            ...record,
            status: 'stopped',
            stopped_at: now.toISOString(),
            metrics,
            last_active_at: now.toISOString(),
            expires_at: this.expiresAt(now),
          },
    );
    if (!outcome) return null;
    return { record: outcome.record, alreadyStopped: !outcome.changed };
  }

  async delete(id: string): Promise<boolean> {
    if (!sessionIdPattern.test(id)) return false;
    const record = await this.get(id);
    const transaction = this.redis.multi().del(this.key(id)).zrem(this.activeKey, id);
    if (record?.owner_id) {
      transaction.zrem(this.ownerKey(record.owner_id), id).zrem(this.ownerLiveKey(record.owner_id), id);
    }
    const [[, deleted]] = (await transaction.exec()) as [[unknown, number], ...unknown[]];
    return deleted === 1;
  }

  /** Sessions active within the idle TTL (stopped ones included until they expire). */
  async countActive(now = Date.now()): Promise<number> {
    const [, [, count]] = (await this.redis
      .multi()
      .zremrangebyscore(this.activeKey, '-inf', now - this.idleTtlS * 1000)
      .zcard(this.activeKey)
      .exec()) as [unknown, [unknown, number]];
    return count;
  }

  /**
   * A page of sessions, latest activity first: one owner's (their index), or
   * everyone's (the active index) when no owner is given.
   */
  async list(
    { ownerId, offset, limit }: { ownerId?: string; offset: number; limit: number },
    now = Date.now(),
  ): Promise<SessionPage> {
    const index = ownerId === undefined ? this.activeKey : this.ownerKey(ownerId);
    const start = Math.max(0, Math.floor(offset));
    const count = Math.min(Math.max(0, Math.floor(limit)), maxListPage);
    const [, [, ids], [, total]] = (await this.redis
      .multi()
      .zremrangebyscore(index, '-inf', now - this.idleTtlS * 1000)
      .zrevrange(index, start, start + count - 1)
      .zcard(index)
      .exec()) as [unknown, [unknown, string[]], [unknown, number]];
    if (count === 0 || ids.length === 0) return { sessions: [], total };
    const values = await this.redis.mget(...ids.map((id) => this.key(id)));
    const sessions: SessionRecord[] = [];
    const gone: string[] = [];
    values.forEach((value, i) => {
      if (value === null) gone.push(ids[i]!);
      else sessions.push(JSON.parse(value) as SessionRecord);
    });
    // Deleted or expired between index writes: drop them so totals and later pages stay right.
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return { sessions, total: total - gone.length };
  }

  /**
   * Replaces the record with `change(record)` if nobody wrote it in between
   * (else reads again and retries), renewing its expiry and index entries.
   * `change` returning null leaves it as it is. Null when the session is unknown.
   */
  private async replace(
    id: string,
    now: Date,
    change: (record: SessionRecord) => SessionRecord | null,
  ): Promise<{ record: SessionRecord; changed: boolean } | null> {
    if (!sessionIdPattern.test(id)) return null;
    for (let attempt = 0; attempt < maxReplaceAttempts; attempt++) {
      const current = await this.redis.get(this.key(id));
      if (current === null) return null;
      const record = JSON.parse(current) as SessionRecord;
      const next = change(record);
      if (next === null) return { record, changed: false };
      const keys = this.writeKeys(id, record.owner_id);
      const outcome = (await this.redis.eval(
        replaceScript,
        keys.length,
        ...keys,
        current,
        JSON.stringify(next),
        String(this.idleTtlS),
        String(now.getTime()),
        id,
        next.status === 'stopped' ? '0' : '1',
      )) as number;
      if (outcome === 1) return { record: next, changed: true };
      if (outcome === -1) return null;
    }
    throw new Error(`session ${id} kept changing while being updated`);
  }
}
