import type { TurnPayload } from '@switchboard/contracts/chat';
import { topics } from '@switchboard/contracts/topics';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestGateway, type TestGateway } from './test-fixtures/test-gateway.js';
import { TestSocket } from './test-fixtures/test-socket.js';

const authTimeoutMs = 300;
const subjectOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

describe('/api/ws: 003 per-user socket', () => {
  const redisFixture = usePrivateRedis();
  let gateway: TestGateway;
  let access: string;
  let refresh: string;

  beforeAll(async () => {
    gateway = await startTestGateway(redisFixture.redis, { authTimeoutMs });
    ({ accessToken: access, refreshToken: refresh } = await gateway.register());
  });
  afterAll(() => gateway.stop());

  it('closes a socket that does not authenticate in time with 4401', async () => {
    const startedAt = Date.now();
    const socket = await TestSocket.open(gateway.ws('/api/ws'));
    expect((await socket.closed).code).toBe(4401);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(authTimeoutMs - 50);
    expect(Date.now() - startedAt).toBeLessThan(authTimeoutMs + 1_000);
    expect(socket.pending).toEqual([]);
  });

  it('authenticates by a first auth frame, then relays the user’s events and answers its own', async () => {
    const socket = await TestSocket.open(gateway.ws('/api/ws'));
    socket.send({ event: 'auth', data: { token: access } });
    expect((await socket.event('status')).data).toMatchObject({
      state: 'authenticated',
      user_id: subjectOf(access),
    });
    // Past the deadline, an authenticated socket stays.
    await new Promise((resolve) => setTimeout(resolve, authTimeoutMs + 100));
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);

    await gateway.service.publisher.publish(
      topics.user,
      { event: 'feedback_request', data: { request_id: 'fr1', question: 'Ship it?' } },
      subjectOf(access),
    );
    expect(await socket.event('feedback_request')).toEqual({
      event: 'feedback_request',
      data: { request_id: 'fr1', question: 'Ship it?' },
    });

    // The first chat opens an agent session for the user (it owns it: see the read below); the turn waits on the queue.
    socket.send({ event: 'chat', data: { message: 'hi', client_message_id: 'agent-hi' } });
    let turn: TurnPayload | undefined;
    await expect
      .poll(async () => {
        turn = (await gateway.queuedTurns()).find((queued) => queued.turn_id === 'agent-hi');
        return turn;
      })
      .toMatchObject({
        assistant: 'agent',
        message: 'hi',
        seq: 1,
        // Who asks, from the token, for the usage log.
        caller: { user_id: subjectOf(access), username: expect.any(String) },
      });
    const sessionId = turn!.session_id!;
    const session = await fetch(gateway.http(`/api/sessions/${sessionId}`), {
      headers: { authorization: `Bearer ${access}` },
    });
    expect(session.status).toBe(200);
    // The socket follows that session: the worker's events arrive in 003's words.
    await gateway.events.append(sessionId, 'processing', { turn_id: 'agent-hi' });
    await gateway.events.append(sessionId, 'message', { message: 'Hello!', turn_id: 'agent-hi' });
    expect((await socket.event('status')).data).toMatchObject({ state: 'thinking', session_id: sessionId });
    expect((await socket.event('agent_response')).data).toMatchObject({
      message: 'Hello!',
      session_id: sessionId,
    });
    // A chat that names no session goes on in the same one.
    socket.send({ event: 'chat', data: { message: 'and again', client_message_id: 'agent-again' } });
    await expect
      .poll(() => gateway.queuedTurns())
      .toContainEqual(expect.objectContaining({ turn_id: 'agent-again', session_id: sessionId, seq: 2 }));
    socket.send({ event: 'chat', data: { message: ' ' } });
    expect((await socket.event('error')).data.code).toBe('SB_VALIDATION');
    socket.send({ event: 'ping' });
    expect((await socket.event('pong')).data.timestamp).toEqual(expect.any(String));
    socket.send('{"event":');
    expect((await socket.event('error')).data.code).toBe('SB_BAD_JSON');
    socket.send({ event: 'sing', data: {} });
    expect((await socket.event('error')).data.code).toBe('SB_VALIDATION');
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('authenticates by the bearer subprotocol at once', async () => {
    const socket = await TestSocket.open(gateway.ws('/api/ws'), ['bearer', access]);
    expect(socket.socket.protocol).toBe('bearer');
    expect((await socket.event('status')).data.user_id).toBe(subjectOf(access));
    socket.close();
  });

  it('closes with 4401 for a bad or refresh token or a wrong first frame, 4403 for a session token', async () => {
    const session = await gateway.openSession();
    const closeCode = async (protocols: string[] | undefined, firstFrame?: unknown) => {
      const socket = await TestSocket.open(gateway.ws('/api/ws'), protocols);
      if (firstFrame !== undefined) socket.send(firstFrame);
      const { code } = await socket.closed;
      expect(socket.pending).toEqual([]);
      return code;
    };
    expect(await closeCode(['bearer', 'not-a-token'])).toBe(4401);
    expect(await closeCode(['bearer', session.token])).toBe(4403);
    expect(await closeCode(undefined, { event: 'auth', data: { token: session.token } })).toBe(4403);
    expect(await closeCode(undefined, { event: 'auth', data: { token: refresh } })).toBe(4401);
    expect(await closeCode(undefined, { event: 'auth', data: { token: 'x.y.z' } })).toBe(4401);
    expect(await closeCode(undefined, { event: 'chat', data: { message: 'hi' } })).toBe(4401);
    expect(await closeCode(undefined, 'not json')).toBe(4401);
  });
});

describe('realtime connections and the end of a login', () => {
  const redisFixture = usePrivateRedis();
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(redisFixture.redis, { heartbeatMs: 200 });
  });
  afterAll(() => gateway.stop());

  it('closes an authenticated socket with 4401 at the next heartbeat after logout', async () => {
    const { accessToken } = await gateway.register();
    const socket = await TestSocket.open(gateway.ws('/api/ws'));
    socket.send({ event: 'auth', data: { token: accessToken } });
    await socket.event('status');
    const loggedOut = await fetch(gateway.http('/api/auth/logout'), {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(loggedOut.status).toBe(204);
    expect((await socket.closed).code).toBe(4401);
  });

  it('keeps a socket whose login is still good', async () => {
    const { accessToken } = await gateway.register();
    const socket = await TestSocket.open(gateway.ws('/api/ws'));
    socket.send({ event: 'auth', data: { token: accessToken } });
    await socket.event('status');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    socket.socket.close();
  });
});
