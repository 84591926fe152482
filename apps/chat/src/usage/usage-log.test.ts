import type { UsageLogPayload } from '@switchboard/contracts/chat';
import { queues } from '@switchboard/contracts/queues';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { type FakeHttpServer, startFakeHttpServer } from '@switchboard/testkit/fake-http-server';
import { type FakeOpenAi, startFakeOpenAi } from '@switchboard/testkit/fake-openai';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { UsageLogClient } from './usage-log.js';

const entry: UsageLogPayload = {
  userId: null,
  username: 'guest',
  isGuest: true,
  sessionId: null,
  projectId: 'al-chat',
  model: 'gpt-4o-mini',
  inputTokens: 3,
  outputTokens: 4,
  totalTokens: 7,
};

/** 002's usage service (Papita) and its credential endpoint, on a real socket. */
describe('usage log to 002’s usage service', () => {
  const redisFixture = usePrivateRedis();
  let papita: FakeHttpServer;
  let openai: FakeOpenAi;
  let chat: ServiceBase;
  const logged = () => papita.requests.filter((request) => request.path === '/api/usage/log');

  beforeAll(async () => {
    [papita, openai] = await Promise.all([
      startFakeHttpServer({
        'GET /api/credentials/global/openai': () => ({ body: { api_key: 'sk-papita-test' } }),
      }),
      startFakeOpenAi({ apiKeys: ['sk-papita-test'] }),
    ]);
    chat = await buildApp(
      loadConfig(
        testEnv(redisFixture.redis, {
          JWT_SECRET: 'usage-log-tests-secret-long-enough-0123456789',
          PAPITA_API_URL: papita.url,
          OPENAI_BASE_URL: openai.baseUrl,
        }),
      ),
    );
  });
  afterAll(async () => {
    await chat?.stop('test over');
    await Promise.all([papita?.close(), openai?.close()]);
  });

  it('reports a turn’s tokens in 002’s fields, retried after a failure until the service takes it', async () => {
    let calls = 0;
    papita.on('POST', '/api/usage/log', () => (++calls === 1 ? { status: 503 } : { status: 201, body: {} }));
    openai.enqueueReply({
      deltas: ['Fine, ', 'thanks.'],
      usage: { prompt_tokens: 11, completion_tokens: 5 },
    });
    const producer = chat.producer(queues.chat);
    const job = await producer.add(
      'turn',
      {
        turn_id: 'usage-1',
        assistant: 'general',
        message: 'How are you?',
        caller: { user_id: 'u-1', username: 'alice' },
      },
      { requestId: 'usage-test', jobId: 'usage-turn-1' },
    );
    expect((await producer.waitFor(job, 10_000)).response).toBe('Fine, thanks.');
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(2);
    expect(logged().at(-1)?.json()).toEqual({
      userId: 'u-1',
      username: 'alice',
      isGuest: false,
      sessionId: null,
      projectId: 'al-chat',
      model: expect.any(String),
      inputTokens: 11,
      outputTokens: 5,
      totalTokens: 16,
    });
  });

  it('gives up on a refusal no retry can change, and retries what a retry can', async () => {
    const client = new UsageLogClient(papita.url);
    papita.on('POST', '/api/usage/log', () => ({ status: 400, body: { error: 'bad' } }));
    await expect(client.send(entry)).rejects.toBeInstanceOf(UnrecoverableError);
    papita.on('POST', '/api/usage/log', () => ({ status: 429 }));
    const rateLimited = await client.send(entry).catch((error: unknown) => error);
    expect(rateLimited).toBeInstanceOf(Error);
    expect(rateLimited).not.toBeInstanceOf(UnrecoverableError);
    papita.on('POST', '/api/usage/log', () => ({ status: 200 }));
    expect(await client.send(entry)).toBe(200);
  });
});
