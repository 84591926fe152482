import type { TurnPayload, TurnResult } from '@switchboard/contracts/chat';
import { queues } from '@switchboard/contracts/queues';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ChatHistoryStore } from '@switchboard/stores/chat-history';
import { ChatTurnStore, sessionScope, turnJobId } from '@switchboard/stores/chat-turns';
import { type SessionRecord, SessionStore } from '@switchboard/stores/sessions';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';

/**
 * The chat service's side of turn order, driven through its queue the way
 * the gateway drives it (accept, then add the job), with the offline model.
 */
describe('turn order in the chat service', () => {
  const redisFixture = usePrivateRedis();
  let config: Config;
  let chat: ServiceBase;
  let sessions: SessionStore;
  let turns: ChatTurnStore;
  let history: ChatHistoryStore;

  beforeAll(async () => {
    config = loadConfig(
      testEnv(redisFixture.redis, { JWT_SECRET: 'turn-order-tests-secret-0123456789abcdef' }),
    );
    chat = await buildApp(config);
    sessions = new SessionStore(chat.redis, chat.keys, config.sessions.idleTtlS);
    turns = new ChatTurnStore(chat.redis, chat.keys, config.sessions.idleTtlS);
    history = new ChatHistoryStore(chat.redis, chat.keys, config.sessions.idleTtlS);
  });
  afterAll(() => chat?.stop('test over'));

  async function accepted(session: SessionRecord, turnId: string, message: string, now?: number) {
    const { record } = await turns.accept(session.id, turnId, session.token_nonce, now);
    const payload: TurnPayload = {
      turn_id: turnId,
      session_id: session.id,
      generation: session.token_nonce,
      seq: record.seq,
      assistant: 'general',
      message,
    };
    return payload;
  }

  function enqueue(payload: TurnPayload) {
    return chat.producer(queues.chat).add('turn', payload, {
      requestId: `test-${payload.turn_id}`,
      jobId: turnJobId(
        sessionScope({ id: payload.session_id ?? '', token_nonce: payload.generation ?? '' }),
        payload.turn_id,
      ),
    });
  }

  async function finished(payload: TurnPayload): Promise<TurnResult> {
    const job = await enqueue(payload);
    return chat.producer(queues.chat).waitFor(job, 15_000);
  }

  it('runs a session’s turns in the order they were accepted, whatever order their jobs arrive in', async () => {
    const session = await sessions.create({ assistant: 'general' });
    if (!session) throw new Error('no session');
    const payloads = [];
    for (const word of ['one', 'two', 'three', 'four']) {
      payloads.push(await accepted(session, `turn-${word}`, `message ${word}`));
    }
    // The last accepted is queued first: it must wait for the three before it.
    const jobs = [];
    for (const payload of [...payloads].reverse()) jobs.push(await enqueue(payload));
    await Promise.all(jobs.map((job) => chat.producer(queues.chat).waitFor(job, 15_000)));

    const stored = await history.recent(session.id, 20);
    expect(stored.map((message) => `${message.role}:${message.turn_id}`)).toEqual(
      payloads.flatMap((payload) => [`user:${payload.turn_id}`, `assistant:${payload.turn_id}`]),
    );
  });

  it('answers a finished turn again with its stored result instead of running it twice', async () => {
    const session = await sessions.create({ assistant: 'general' });
    if (!session) throw new Error('no session');
    const payload = await accepted(session, 'only-once', 'hello there');
    const first = await finished(payload);
    // The same turn queued again (a retried job, a resent message) under another job id.
    const again = await chat
      .producer(queues.chat)
      .add('turn', payload, { requestId: 'test-again', jobId: 'turn-again-only-once' });
    const second = await chat.producer(queues.chat).waitFor(again, 15_000);
    expect(second).toEqual(first);
    expect(await history.count(session.id)).toBe(2);
  });

  it('moves past a turn that was accepted but never queued (its caller died), once it is clearly lost', async () => {
    const session = await sessions.create({ assistant: 'general' });
    if (!session) throw new Error('no session');
    await accepted(session, 'lost-turn', 'never queued', Date.now() - 60_000);
    const next = await accepted(session, 'after-lost', 'still answered');
    const result = await finished(next);
    expect(result.error).toBeUndefined();
    expect(result.response).not.toBe('');
    expect((await turns.get(session.id, 'lost-turn'))?.status).toBe('done');
  });

  it('answers a turn of a session that is gone with SB_NOT_FOUND, and the session’s order moves on', async () => {
    const session = await sessions.create({ assistant: 'general' });
    if (!session) throw new Error('no session');
    const payload = await accepted(session, 'orphan', 'anyone there?');
    await sessions.delete(session.id);
    const result = await finished(payload);
    expect(result.error?.code).toBe('SB_NOT_FOUND');
    expect((await turns.get(session.id, 'orphan'))?.status).toBe('done');
  });
});
