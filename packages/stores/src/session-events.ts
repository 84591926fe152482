import {
  type SessionEventData,
  type SessionEventEntry,
  type SessionEventName,
  sessionEventEntryValidator,
  streamEntryIdPattern,
} from '@switchboard/contracts/session-events';
import { topics } from '@switchboard/contracts/topics';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { sessionScopedKey } from './sessions.js';

/*
 * Keys
 *   {sb}:session-events:<id>   STREAM  fields `event` (name), `data` (JSON); MAXLEN ~ 1000;
 *                              EXPIRE = session idle TTL, renewed by every append.
 * Channel
 *   <prefix>:events:session:<id>   every appended entry as `{id, event, data}` (topic `session`).
 * Atomicity: XADD, EXPIRE and PUBLISH run in one script, so subscribers receive entries in stream id
 * order. Readers that join a replay to the live feed drop ids they have already passed; an entry
 * published out of order would be dropped with them.
 */

// KEYS: the stream, and (for `appendFor`) the session's record, which must still hold ARGV[6].
const appendScript = `
if KEYS[2] then
  local record = redis.call('GET', KEYS[2])
  if not record or not string.find(record, ARGV[6], 1, true) then return false end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], '{"id":"' .. id .. '","event":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. '}')
return id
`;

/** Enough to replay a reply in flight after a reconnect; older entries are trimmed. */
const defaultMaxLength = 1000;
const maxPage = 1000;

export class SessionEventLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly idleTtlS: number,
    private readonly maxLength = defaultMaxLength,
  ) {}

  private key(sessionId: string): string {
    return sessionScopedKey(this.keys, 'session-events', sessionId);
  }

  /** Appends an event to the session's stream and publishes it; returns the stored entry. */
  async append<N extends SessionEventName>(
    sessionId: string,
    event: N,
    data: SessionEventData<N>,
  ): Promise<SessionEventEntry> {
    return (await this.write(sessionId, event, data)) as SessionEventEntry;
  }

  /**
   * Appends only while the session is the one given (same id and generation,
   * `token_nonce`): a turn of a deleted session never writes into a new
   * session that took its id. Null when it is not.
   */
  appendFor<N extends SessionEventName>(
    session: { id: string; token_nonce: string },
    event: N,
    data: SessionEventData<N>,
  ): Promise<SessionEventEntry | null> {
    return this.write(session.id, event, data, session.token_nonce);
  }

  private async write<N extends SessionEventName>(
    sessionId: string,
    event: N,
    data: SessionEventData<N>,
    generation?: string,
  ): Promise<SessionEventEntry | null> {
    const candidate = { id: '0-0', event, data };
    if (!sessionEventEntryValidator.Check(candidate)) {
      throw new TypeError(`invalid ${event} event data for session ${sessionId}`);
    }
    const streamKey = this.key(sessionId);
    const keys = generation === undefined ? [streamKey] : [streamKey, this.keys.key('session', sessionId)];
    const id = (await this.redis.eval(
      appendScript,
      keys.length,
      ...keys,
      String(this.maxLength),
      event,
      JSON.stringify(data),
      String(this.idleTtlS),
      this.keys.channel(topics.session.channel(sessionId)),
      // The record is JSON written by sessions.ts: its generation appears exactly so.
      generation === undefined ? '' : `"token_nonce":${JSON.stringify(generation)}`,
    )) as string | null;
    return id === null ? null : ({ ...candidate, id } as SessionEventEntry);
  }

  /** The id of the newest entry ('0-0' when there is none): a follower starting here sees only what comes next. */
  async lastId(sessionId: string): Promise<string> {
    const [newest] = await this.redis.xrevrange(this.key(sessionId), '+', '-', 'COUNT', 1);
    return newest?.[0] ?? '0-0';
  }

  /** Drops the session's whole stream, with its session (a deleted session replays nothing). */
  async delete(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }

  /**
   * Up to `limit` entries stored after `lastId` (exclusive), oldest first.
   * Entries that no longer match the contract are skipped, never passed on.
   */
  async after(sessionId: string, lastId: string, limit = 100): Promise<SessionEventEntry[]> {
    if (!streamEntryIdPattern.test(lastId))
      throw new TypeError(`invalid stream entry id ${JSON.stringify(lastId)}`);
    const count = Math.min(Math.max(1, Math.floor(limit)), maxPage);
    const rows = await this.redis.xrange(this.key(sessionId), `(${lastId}`, '+', 'COUNT', count);
    const entries: SessionEventEntry[] = [];
    for (const [id, fields] of rows) {
      const entry = parseEntry(id, fields);
      if (entry) entries.push(entry);
    }
    return entries;
  }
}

function parseEntry(id: string, fields: string[]): SessionEventEntry | null {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  let data: unknown;
  try {
    data = JSON.parse(values.get('data') ?? '');
  } catch {
    return null;
  }
  const entry = { id, event: values.get('event'), data };
  return sessionEventEntryValidator.Check(entry) ? entry : null;
}
