import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys
 *   {sb}:session-log:<YYYY-MM-DD>   LIST   002's JSON Lines event log of that UTC day, one JSON object per entry,
 *                                          in append order; EXPIREAT the day's end + retention (90 days).
 * Atomicity: RPUSH and EXPIREAT run in one MULTI. The list is the log of record (every instance appends to
 * it, so lines never interleave); the chat service also mirrors each line to a daily file.
 */

export const sessionLogEvents = ['session_start', 'session_stop', 'metric', 'turn', 'project_init'] as const;
export type SessionLogEvent = (typeof sessionLogEvents)[number];

/** One line of 002's session log: its fixed fields, then whatever the event carries. */
export interface SessionLogEntry {
  event: SessionLogEvent;
  session_id: string | null;
  /** ISO 8601. */
  timestamp: string;
  /** UTC day of `timestamp`, `YYYY-MM-DD`: the day's log the line goes to. */
  date: string;
  [field: string]: unknown;
}

export const logDatePattern = /^\d{4}-\d{2}-\d{2}$/;
const dayMs = 86_400_000;
/** Lines per LRANGE: a line is usually a few hundred bytes, at most some 50 kB (a stop with 50 long metrics). */
const defaultPageSize = 200;

/** A real calendar day written `YYYY-MM-DD` (not `2025-02-30`). */
export function isLogDate(date: string): boolean {
  if (!logDatePattern.test(date)) return false;
  const start = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(start) && new Date(start).toISOString().slice(0, 10) === date;
}

export class SessionLogStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionDays = 90,
  ) {}

  private key(date: string): string {
    if (!isLogDate(date)) throw new TypeError(`invalid log date ${JSON.stringify(date)}`);
    return this.keys.key('session-log', date);
  }

  /** Appends the entry to its day's log; returns the line as stored (JSON, no newline). */
  async append(entry: SessionLogEntry): Promise<string> {
    if (!sessionLogEvents.includes(entry.event))
      throw new TypeError(`unknown session log event ${entry.event}`);
    const key = this.key(entry.date);
    const line = JSON.stringify(entry);
    const expireAtS = Math.floor(
      (Date.parse(`${entry.date}T00:00:00Z`) + (this.retentionDays + 1) * dayMs) / 1000,
    );
    await this.redis.multi().rpush(key, line).expireat(key, expireAtS).exec();
    return line;
  }

  /**
   * That day's lines, oldest first, `pageSize` at a time (nothing for a day
   * without entries or past the retention): a day's log is never held whole.
   * The lines are those the day had when the first page was read; lines
   * appended meanwhile wait for the next read. The list only grows at its
   * tail, so the pages neither skip nor repeat a line.
   */
  async *pages(date: string, pageSize = defaultPageSize): AsyncGenerator<string[]> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1)
      throw new TypeError('page size must be a whole number ≥ 1');
    const key = this.key(date);
    const length = await this.redis.llen(key);
    for (let start = 0; start < length; start += pageSize) {
      const page = await this.redis.lrange(key, start, Math.min(start + pageSize, length) - 1);
      // The day's list expired while it was being read.
      if (page.length === 0) return;
      yield page;
    }
  }
}
