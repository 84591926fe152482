import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatTurnStore, sessionScope, turnJobId } from './chat-turns.js';

describe('ChatTurnStore', () => {
  const redisFixture = usePrivateRedis();
  let turns: ChatTurnStore;

  beforeAll(() => {
    turns = new ChatTurnStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 600);
  });

  it('gives each turn id one place, in arrival order, however often and concurrently it is sent', async () => {
    const sent = await Promise.all(
      ['a', 'b', 'a', 'c', 'b', 'a'].map((turnId) =>
        turns.accept('s-order', turnId, 'g1').then((r) => [turnId, r] as const),
      ),
    );
    const places = new Map(sent.map(([turnId, acceptance]) => [turnId, acceptance.record.seq]));
    expect([...places.values()].sort()).toEqual([1, 2, 3]);
    expect(sent.filter(([, acceptance]) => acceptance.isNew)).toHaveLength(3);
    for (const [turnId, acceptance] of sent) expect(acceptance.record.seq).toBe(places.get(turnId));
  });

  it('lets a turn run only after the one before it finished, and answers a finished turn with its result', async () => {
    const first = (await turns.accept('s-gate', 'first', 'g1')).record.seq;
    const second = (await turns.accept('s-gate', 'second', 'g1')).record.seq;
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
    await turns.finish('s-gate', 'first', first, 'g1', result);
    expect(await turns.gate('s-gate', 'second', second)).toEqual({ kind: 'ready' });
    expect(await turns.gate('s-gate', 'first', first)).toMatchObject({
      kind: 'finished',
      record: { result },
    });
    expect((await turns.accept('s-gate', 'first', 'g1')).record).toMatchObject({ status: 'done', result });
  });

  it('never lets a turn overtake a running one because a later turn was closed early', async () => {
    for (const turnId of ['one', 'two', 'three', 'four']) await turns.accept('s-skip', turnId, 'g1');
    await turns.finish('s-skip', 'one', 1, 'g1');
    // `three` is closed (its job was lost) while `two` still runs: `four` must still wait for `two`.
    await turns.finish('s-skip', 'three', 3, 'g1');
    expect(await turns.gate('s-skip', 'four', 4)).toMatchObject({ kind: 'waiting' });
    expect(await turns.gate('s-skip', 'two', 2)).toEqual({ kind: 'ready' });
    await turns.finish('s-skip', 'two', 2, 'g1');
    expect(await turns.gate('s-skip', 'four', 4)).toEqual({ kind: 'ready' });
  });

  it('keeps a deleted session’s turns out of a new session that takes the same id (another generation)', async () => {
    const stale = await turns.accept('s-reused', 'msg-1', 'old');
    await turns.delete('s-reused');
    const fresh = await turns.accept('s-reused', 'msg-1', 'new');
    expect(fresh.isNew).toBe(true);
    // The old session's turn finishes late: its result does not become the new session's.
    await turns.finish('s-reused', 'msg-1', stale.record.seq, 'old', {
      turn_id: 'msg-1',
      response: 'the old session’s secret',
      model: 'offline',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      cost_usd: null,
      timestamp: new Date().toISOString(),
    });
    expect(await turns.get('s-reused', 'msg-1')).toMatchObject({ status: 'queued', gen: 'new' });
    // A record left over from another generation is not this generation's turn either.
    expect((await turns.accept('s-leftover', 'm', 'old')).isNew).toBe(true);
    expect((await turns.accept('s-leftover', 'm', 'new')).isNew).toBe(true);
  });

  it('names jobs stably, per session, without the characters BullMQ refuses', () => {
    const first = sessionScope({ id: 's:1', token_nonce: 'n1' });
    expect(turnJobId(first, 'm:1')).toBe(turnJobId(first, 'm:1'));
    expect(turnJobId(first, 'm:1')).not.toBe(
      turnJobId(sessionScope({ id: 's:2', token_nonce: 'n1' }), 'm:1'),
    );
    // A later session of the same id: other jobs.
    expect(turnJobId(first, 'm:1')).not.toBe(
      turnJobId(sessionScope({ id: 's:1', token_nonce: 'n2' }), 'm:1'),
    );
    expect(turnJobId(first, 'm:1')).toMatch(/^turn-[0-9a-f]{40}$/);
  });

  it('forgets a session’s turns on delete, so its order starts again', async () => {
    await turns.accept('s-gone', 'x', 'g1');
    await turns.delete('s-gone');
    expect(await turns.get('s-gone', 'x')).toBeNull();
    expect((await turns.accept('s-gone', 'y', 'g1')).record.seq).toBe(1);
  });
});
