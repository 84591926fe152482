import { buildApp as buildChat } from '@switchboard/chat/app';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildApp as buildGateway } from '../app.js';

/** The shortest idle expiry the config allows: the test waits it out for real. */
const idleTtlS = 10;

describe('idle session expiry', () => {
  const redisFixture = usePrivateRedis();
  let gateway: ServiceBase;
  let chat: ServiceBase;
  let base: string;

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function open(): Promise<{ id: string; token: string }> {
    const created = await inject({ method: 'POST', url: '/api/sessions', payload: { assistant: 'lead' } });
    expect(created.statusCode).toBe(201);
    return { id: created.json().session_id, token: created.json().session_token };
  }

  const chatOn = (session: { id: string; token: string }, message: string) =>
    inject({
      method: 'POST',
      url: '/api/chat',
      headers: bearer(session.token),
      payload: { session_id: session.id, message },
    });

  /** How a socket on `/ws/:id` ends: 1008 for a session that does not exist (SPEC §4). */
  function socketClose(session: { id: string; token: string }): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/ws/${session.id}?token=${session.token}`);
      socket.on('close', (code) => resolve(code));
      socket.on('error', reject);
    });
  }

  beforeAll(async () => {
    const config = loadConfig(
      testEnv(redisFixture.redis, {
        JWT_SECRET: 'expiry-tests-secret-long-enough-for-hs256-0123456789',
        SESSION_IDLE_TTL_S: String(idleTtlS),
        RATE_LIMIT_PER_IP: '100000',
        RATE_LIMIT_PER_SESSION: '100000',
      }),
    );
    [gateway, chat] = await Promise.all([buildGateway(config), buildChat(config)]);
    base = await gateway.start(0);
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await chat?.stop('test over');
  });

  it('forgets a session idle for the TTL (404 everywhere, nothing left in Redis), and keeps one in use', async () => {
    const idle = await open();
    const busy = await open();
    expect((await chatOn(idle, 'Hi there, I am Ann.')).statusCode).toBe(200);
    expect((await chatOn(busy, 'Hello!')).statusCode).toBe(200);

    // Half the TTL later the busy session is used again: its idle clock starts over.
    await new Promise((resolve) => setTimeout(resolve, (idleTtlS / 2) * 1000));
    expect((await chatOn(busy, 'Still here.')).statusCode).toBe(200);
    await expect
      .poll(
        async () =>
          (await inject({ method: 'GET', url: `/api/sessions/${idle.id}`, headers: bearer(idle.token) }))
            .statusCode,
        { timeout: (idleTtlS + 5) * 1000, interval: 250 },
      )
      .toBe(404);

    const gone = await inject({
      method: 'GET',
      url: `/api/sessions/${idle.id}`,
      headers: bearer(idle.token),
    });
    expect(gone.json()).toMatchObject({ success: false, code: 'SB_NOT_FOUND' });
    expect((await chatOn(idle, 'Anyone?')).statusCode).toBe(404);
    const streamed = await inject({
      method: 'POST',
      url: '/api/chat/stream',
      headers: bearer(idle.token),
      payload: { session_id: idle.id, message: 'Anyone?' },
    });
    expect(streamed.statusCode).toBe(404);
    expect(streamed.headers['content-type']).toMatch(/json/);
    for (const url of [`/api/sessions/${idle.id}/export`, `/sessions/${idle.id}/export`]) {
      expect((await inject({ method: 'POST', url, headers: bearer(idle.token) })).statusCode).toBe(404);
    }
    expect(
      (await inject({ method: 'DELETE', url: `/api/sessions/${idle.id}`, headers: bearer(idle.token) }))
        .statusCode,
    ).toBe(404);
    expect(await socketClose(idle)).toBe(1008);
    // Its history, turns, lead state and events expired with it (its rate-limit window lapses within the minute).
    const leftovers = await redisFixture.client.keys(`*${idle.id}*`);
    expect(leftovers.filter((key) => !key.includes(':rl:'))).toEqual([]);

    const alive = await inject({
      method: 'GET',
      url: `/api/sessions/${busy.id}`,
      headers: bearer(busy.token),
    });
    expect(alive.statusCode).toBe(200);
    expect(alive.json().messages.filter((message: { role: string }) => message.role === 'user')).toHaveLength(
      2,
    );
  }, 30_000);

  it('never lets a deleted session’s token into a new session that takes the same id', async () => {
    const first = await open();
    expect(
      (await inject({ method: 'DELETE', url: `/api/sessions/${first.id}`, headers: bearer(first.token) }))
        .statusCode,
    ).toBe(200);
    // Gone: its own token finds nothing (404, as 001's clients expect), and says why.
    const gone = await chatOn(first, 'Hello?');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toMatch(/expired or was deleted/);

    // A user names the same id (000's POST /chat creates it): a new session, not the old token's.
    const registered = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: 'desk@example.com', username: 'desk', password: 'long enough 1' },
    });
    const user = registered.json().access_token as string;
    const reused = await inject({
      method: 'POST',
      url: '/chat',
      headers: bearer(user),
      payload: { session_id: first.id, message: 'Which facilities are in event 20417?' },
    });
    expect(reused.statusCode, reused.body).toBe(200);
    const stolen = await inject({
      method: 'GET',
      url: `/api/sessions/${first.id}`,
      headers: bearer(first.token),
    });
    expect(stolen.statusCode).toBe(401);
    expect(stolen.json().code).toBe('SB_UNAUTHENTICATED');
    expect(
      (await inject({ method: 'GET', url: `/api/sessions/${first.id}`, headers: bearer(user) })).statusCode,
    ).toBe(200);
  });
});
