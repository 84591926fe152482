import { DispatchEventRecord } from '@switchboard/contracts/dispatch';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';

/*
 * Keys
 *   {sb}:dispatch-event:<eventId>   STRING  JSON DispatchEventRecord (no expiry: the event history is kept).
 *   {sb}:dispatch-events            ZSET    event id by receipt time (ms): the newest first for readers.
 * Atomicity: `add` writes both in one MULTI; the same event id again replaces the record (a re-delivered
 * or forwarded email is the same event).
 */

const recordValidator = Compile(DispatchEventRecord);

/** Parsed dispatch events: written by the integration service, read by the dispatch assistant. */
export class DispatchEventStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(eventId: string): string {
    return this.keys.key('dispatch-event', eventId);
  }

  private get indexKey(): string {
    return this.keys.key('dispatch-events');
  }

  async add(event: DispatchEventRecord): Promise<void> {
    if (!recordValidator.Check(event)) throw new TypeError('invalid dispatch event record');
    await this.redis
      .multi()
      .set(this.key(event.event_id), JSON.stringify(event))
      .zadd(this.indexKey, new Date(event.received_at).getTime(), event.event_id)
      .exec();
  }

  /** The newest `limit` events, newest first; a record that no longer parses is skipped. */
  async recent(limit: number): Promise<DispatchEventRecord[]> {
    const count = Math.floor(limit);
    if (count < 1) return [];
    const ids = await this.redis.zrevrange(this.indexKey, 0, count - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => this.key(id)));
    return values.flatMap((value) => {
      if (value === null) return [];
      try {
        const record: unknown = JSON.parse(value);
        return recordValidator.Check(record) ? [record] : [];
      } catch {
        return [];
      }
    });
  }
}
