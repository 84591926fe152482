import type { DispatchEventRecord } from '@switchboard/contracts/dispatch';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { beforeAll, describe, expect, it } from 'vitest';
import { DispatchEventStore } from './dispatch-events.js';

const event = (id: string, receivedAt: string): DispatchEventRecord => ({
  event_id: id,
  dispatch_type: 'Harborline Electric - Targeted Dispatch',
  start: '2025-07-15T16:00:00-04:00',
  end: '2025-07-15T19:00:00-04:00',
  iana_timezone: 'America/New_York',
  facilities: [],
  received_at: receivedAt,
});

describe('DispatchEventStore', () => {
  const redisFixture = usePrivateRedis();
  let events: DispatchEventStore;
  let keys: ReturnType<typeof redisKeys>;

  beforeAll(() => {
    keys = redisKeys(redisFixture.redis.prefix());
    events = new DispatchEventStore(redisFixture.client, keys);
  });

  it('lists events newest first, one record per event id however often it is stored', async () => {
    await events.add(event('1', '2025-07-14T10:00:00Z'));
    await events.add(event('2', '2025-07-14T11:00:00Z'));
    await events.add({ ...event('1', '2025-07-14T12:00:00Z'), dispatch_type: 'Re-delivered' });
    const recent = await events.recent(10);
    expect(recent.map((record) => [record.event_id, record.dispatch_type])).toEqual([
      ['1', 'Re-delivered'],
      ['2', 'Harborline Electric - Targeted Dispatch'],
    ]);
    expect(await events.recent(1)).toHaveLength(1);
    expect(await events.recent(0)).toEqual([]);
  });

  it('refuses a record that breaks the contract and skips a stored one that no longer parses', async () => {
    await expect(events.add({ ...event('3', 'not a date'), facilities: [] })).rejects.toThrow(TypeError);
    await redisFixture.client.zadd(keys.key('dispatch-events'), Date.now(), 'broken');
    await redisFixture.client.set(keys.key('dispatch-event', 'broken'), '{not json');
    const listed = (await events.recent(10)).map((record) => record.event_id);
    expect(listed).toEqual(['1', '2']);
  });
});
