import { ChatMessage } from '@switchboard/contracts/chat';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';
import { sessionScopedKey } from './sessions.js';

/*
 * Keys
 *   {sb}:chat-history:<sessionId>   LIST   JSON ChatMessage, oldest first; EXPIRE = session idle TTL,
 *                                          renewed by every append and by `touch`. Capped at the newest
 *                                          5,000 messages (`maxHistoryMessages`): an append past the cap
 *                                          drops the oldest.
 * Atomicity: RPUSH, LTRIM and EXPIRE of one append run in one MULTI, so several messages of one turn
 * (user + assistant) land together and in order, and the list never holds more than the cap.
 */

/**
 * A session kept alive for weeks must not grow without bound: the
 * assistants read the last few dozen messages, exports and the session
 * view at most this many.
 */
export const maxHistoryMessages = 5_000;

const messageValidator = Compile(ChatMessage);
const maxPage = 1000;

function parse(rows: string[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const row of rows) {
    try {
      const message: unknown = JSON.parse(row);
      if (messageValidator.Check(message)) messages.push(message);
    } catch {
      // A corrupted entry is skipped, never trusted (stores README: "Values").
    }
  }
  return messages;
}

const startWithScript = `
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('RPUSH', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return redis.call('LINDEX', KEYS[1], 0)
`;

/** A session's conversation: what the assistants rebuild their context from each turn. */
export class ChatHistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly idleTtlS: number,
  ) {}

  private key(sessionId: string): string {
    return sessionScopedKey(this.keys, 'chat-history', sessionId);
  }

  /** Appends messages in the order given, dropping the oldest past the cap; returns the history's new length. */
  async append(sessionId: string, ...messages: ChatMessage[]): Promise<number> {
    const key = this.key(sessionId);
    for (const message of messages) {
      if (!messageValidator.Check(message))
        throw new TypeError(`invalid chat message for session ${sessionId}`);
    }
    if (messages.length === 0) return this.count(sessionId);
    const [[, length]] = (await this.redis
      .multi()
      .rpush(key, ...messages.map((message) => JSON.stringify(message)))
      .ltrim(key, -maxHistoryMessages, -1)
      .expire(key, this.idleTtlS)
      .exec()) as [[unknown, number], unknown, unknown];
    return Math.min(length, maxHistoryMessages);
  }

  /**
   * Stores `message` as the conversation's first, only if it has none yet
   * (two sockets opening a fresh session at once store one greeting); the
   * first message either way.
   */
  async startWith(sessionId: string, message: ChatMessage): Promise<ChatMessage> {
    if (!messageValidator.Check(message))
      throw new TypeError(`invalid chat message for session ${sessionId}`);
    const first = (await this.redis.eval(
      startWithScript,
      1,
      this.key(sessionId),
      JSON.stringify(message),
      String(this.idleTtlS),
    )) as string;
    return first === JSON.stringify(message) ? message : (parse([first])[0] ?? message);
  }

  /** The last `limit` messages, oldest first. */
  async recent(sessionId: string, limit: number): Promise<ChatMessage[]> {
    const count = Math.min(Math.floor(limit), maxPage);
    if (count <= 0) return [];
    return parse(await this.redis.lrange(this.key(sessionId), -count, -1));
  }

  /** `count` messages from position `start` (0 = the first), oldest first: exports read long sessions in pages. */
  async page(sessionId: string, start: number, count: number): Promise<ChatMessage[]> {
    const from = Math.max(0, Math.floor(start));
    const size = Math.min(Math.floor(count), maxPage);
    if (size <= 0) return [];
    return parse(await this.redis.lrange(this.key(sessionId), from, from + size - 1));
  }

  async count(sessionId: string): Promise<number> {
    return this.redis.llen(this.key(sessionId));
  }

  /** Lengths of several histories in one round trip (session lists show message counts). */
  async counts(sessionIds: string[]): Promise<number[]> {
    if (sessionIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const sessionId of sessionIds) pipeline.llen(this.key(sessionId));
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([error, length]) => (error ? 0 : (length as number)));
  }

  async last(sessionId: string): Promise<ChatMessage | null> {
    const row = await this.redis.lindex(this.key(sessionId), -1);
    return row === null ? null : (parse([row])[0] ?? null);
  }

  async delete(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }

  /** Keeps the history as long as its session: call with the session's own `touch`. */
  async touch(sessionId: string): Promise<void> {
    await this.redis.expire(this.key(sessionId), this.idleTtlS);
  }
}
