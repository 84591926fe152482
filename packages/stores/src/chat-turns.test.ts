import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatTurnStore, turnJobId } from './chat-turns.js';

describe('ChatTurnStore', () => {
  const redisFixture = usePrivateRedis();
  let turns: ChatTurnStore;

  beforeAll(() => {
    turns = new ChatTurnStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 600);
  });

  it('gives each turn id one place, in arrival order, however often and concurrently it is sent', async () => {
    const sent = await Promise.all(
      ['a', 'b', 'a', 'c', 'b', 'a'].map((turnId) =>
        turns.accept('s-order', turnId).then((r) => [turnId, r] as const),
      ),
    );
    const places = new Map(sent.map(([turnId, acceptance]) => [turnId, acceptance.record.seq]));
    expect([...places.values()].sort()).toEqual([1, 2, 3]);
    expect(sent.filter(([, acceptance]) => acceptance.isNew)).toHaveLength(3);
    for (const [turnId, acceptance] of sent) expect(acceptance.record.seq).toBe(places.get(turnId));
  });

  it('lets a turn run only after the one before it finished, and answers a finished turn with its result', async () => {
    const first = (await turns.accept('s-gate', 'first')).record.seq;
    const second = (await turns.accept('s-gate', 'second')).record.seq;
    expect(await turns.gate('s-gate', 'first', first)).toEqual({ kind: 'ready' });
    expect(await turns.gate('s-gate', 'second', second)).toEqual({
      kind: 'waiting',
      predecessorTurnId: 'first',
      predecessorSeq: first,
    });
    const result = {
      turn_id: 'first',
      response: 'hi',
      model: 'offline',
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      cost_usd: 0,
      timestamp: new Date().toISOString(),
    };
    await turns.finish('s-gate', 'first', first, result);
    expect(await turns.gate('s-gate', 'second', second)).toEqual({ kind: 'ready' });
    expect(await turns.gate('s-gate', 'first', first)).toMatchObject({
      kind: 'finished',
      record: { result },
    });
    expect((await turns.accept('s-gate', 'first')).record).toMatchObject({ status: 'done', result });
  });

  it('never lets a turn overtake a running one because a later turn was closed early', async () => {
    for (const turnId of ['one', 'two', 'three', 'four']) await turns.accept('s-skip', turnId);
    await turns.finish('s-skip', 'one', 1);
    // `three` is closed (its job was lost) while `two` still runs: `four` must still wait for `two`.
    await turns.finish('s-skip', 'three', 3);
    expect(await turns.gate('s-skip', 'four', 4)).toMatchObject({ kind: 'waiting' });
    expect(await turns.gate('s-skip', 'two', 2)).toEqual({ kind: 'ready' });
    await turns.finish('s-skip', 'two', 2);
    expect(await turns.gate('s-skip', 'four', 4)).toEqual({ kind: 'ready' });
  });

  it('names jobs stably, per session, without the characters BullMQ refuses', () => {
    expect(turnJobId('s:1', 'm:1')).toBe(turnJobId('s:1', 'm:1'));
    expect(turnJobId('s:1', 'm:1')).not.toBe(turnJobId('s:2', 'm:1'));
    expect(turnJobId('s:1', 'm:1')).toMatch(/^turn-[0-9a-f]{40}$/);
  });

  it('forgets a session’s turns on delete, so its order starts again', async () => {
    await turns.accept('s-gone', 'x');
    await turns.delete('s-gone');
    expect(await turns.get('s-gone', 'x')).toBeNull();
    expect((await turns.accept('s-gone', 'y')).record.seq).toBe(1);
  });
});
