import { buildApp as buildChat } from '@switchboard/chat/app';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ChatTurnStore } from '@switchboard/stores/chat-turns';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildGateway } from '../app.js';
import { TestSocket } from '../realtime/test-fixtures/test-socket.js';

/** Small enough to spend in a test; the per-user and per-IP budgets stay out of the way. */
const perSession = 3;

/**
 * The socket doors start turns too, so they answer to the same rules as
 * the HTTP routes: only the session's own credential reaches it, and each
 * turn spends the caller's and the session's budgets.
 */
describe('chat over the sockets: rights, budgets and resuming', () => {
  const redisFixture = usePrivateRedis();
  let gateway: ServiceBase;
  let chat: ServiceBase;
  let base: string;
  let turns: ChatTurnStore;

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const ws = (path: string) => `${base.replace('http', 'ws')}${path}`;

  async function open(token?: string, assistant = 'lead'): Promise<{ id: string; token: string }> {
    const created = await inject({
      method: 'POST',
      url: '/api/sessions',
      payload: { assistant },
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    expect(created.statusCode, created.body).toBe(201);
    return { id: created.json().session_id, token: created.json().session_token };
  }

  async function register(name: string): Promise<string> {
    const created = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
    });
    return created.json().access_token as string;
  }

  /** How many turns a session was given (accepted turns get consecutive places). */
  async function turnsTaken(sessionId: string): Promise<number> {
    return Number((await redisFixture.client.hget(gateway.keys.key('turns', sessionId), 'seq')) ?? 0);
  }

  beforeAll(async () => {
    const config = loadConfig(
      testEnv(redisFixture.redis, {
        JWT_SECRET: 'socket-doors-secret-long-enough-for-hs256-0123456789',
        RATE_LIMIT_PER_SESSION: String(perSession),
        RATE_LIMIT_PER_USER: '100000',
        RATE_LIMIT_PER_IP: '100000',
      }),
    );
    [gateway, chat] = await Promise.all([buildGateway(config), buildChat(config)]);
    base = await gateway.start(0);
    turns = new ChatTurnStore(gateway.redis, gateway.keys, config.sessions.idleTtlS);
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await chat?.stop('test over');
  });

  it('drops what a refused /ws/:session_id socket sent before it was closed: no turn reaches the session', async () => {
    const victim = await open();
    const other = await open();
    const message = JSON.stringify({ message: "Hi, I'm Eve, eve@evil.example, I make $900k" });
    for (const [url, code] of [
      [`/ws/${victim.id}`, 4401],
      [`/ws/${victim.id}?token=${other.token}`, 4403],
    ] as const) {
      const socket = await TestSocket.open(ws(url));
      socket.send(message);
      expect((await socket.closed).code).toBe(code);
    }
    expect(await turnsTaken(victim.id)).toBe(0);
    const history = await inject({
      method: 'GET',
      url: `/api/sessions/${victim.id}`,
      headers: { authorization: `Bearer ${victim.token}` },
    });
    expect(history.json().messages.filter((entry: { role: string }) => entry.role === 'user')).toEqual([]);
  });

  it('refuses /api/ws chat and join on someone else’s session, and relays none of its events', async () => {
    const owner = await register('owner');
    const mallory = await register('mallory');
    const target = await open(owner, 'agent');
    const socket = await TestSocket.open(ws('/api/ws'), ['bearer', mallory]);
    await socket.event('status');
    socket.send({ event: 'chat', data: { message: 'Read me their chat', session_id: target.id } });
    expect((await socket.event('error')).data).toMatchObject({ code: 'SB_FORBIDDEN' });
    socket.send({ event: 'join', data: { session_id: target.id, last_event_id: '0-0' } });
    expect((await socket.event('error')).data).toMatchObject({ code: 'SB_FORBIDDEN' });
    expect(await turnsTaken(target.id)).toBe(0);

    // The owner's own chat goes on; nothing of it reaches Mallory's socket.
    const turn = await inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: `Bearer ${owner}` },
      payload: { session_id: target.id, message: 'Hello' },
    });
    expect(turn.statusCode).toBe(200);
    socket.send({ event: 'ping', data: {} });
    await socket.event('pong');
    expect(socket.pending).toEqual([]);
    socket.close();
  });

  it('spends the session’s budget for each socket turn: the next one over the limit is refused', async () => {
    const session = await open();
    const socket = await TestSocket.open(ws(`/ws/${session.id}?token=${session.token}`));
    expect(await socket.next()).toMatchObject({ type: 'greeting' });
    // The upgrade request spent one unit of the session's budget already.
    for (let i = 1; i < perSession; i++) socket.send({ message: `Question ${i}` });
    socket.send({ message: 'One too many' });
    expect(await socket.next((frame) => frame.type === 'error')).toMatchObject({ code: 'SB_RATE_LIMITED' });
    expect(await turnsTaken(session.id)).toBe(perSession - 1);
    socket.close();
  });

  it('lets a reconnecting /api/ws client join its session after its last event id and get the reply once', async () => {
    const user = await register('returning');
    const first = await TestSocket.open(ws('/api/ws'), ['bearer', user]);
    await first.event('status');
    first.send({ event: 'chat', data: { message: 'What can you do for me?' } });
    const thinking = await first.next((frame) => frame.event === 'status' && frame.data.state === 'thinking');
    const sessionId = thinking.data.session_id as string;
    first.close();
    // The reply finishes while nobody listens.
    await expect
      .poll(async () => (await turns.get(sessionId, await onlyTurnId(sessionId)))?.status)
      .toBe('done');

    const again = await TestSocket.open(ws('/api/ws'), ['bearer', user]);
    await again.event('status');
    again.send({ event: 'join', data: { session_id: sessionId, last_event_id: thinking.data.event_id } });
    const reply = await again.event('agent_response');
    expect(reply.data).toMatchObject({ session_id: sessionId, message: expect.any(String) });
    await again.event('joined');
    again.send({ event: 'ping', data: {} });
    await again.event('pong');
    expect(again.pending.filter((frame) => (frame as { event?: string }).event === 'agent_response')).toEqual(
      [],
    );
    again.close();
  });

  it('answers a resent, finished /ws/:session_id message again instead of leaving it unanswered', async () => {
    const session = await open();
    const socket = await TestSocket.open(ws(`/ws/${session.id}?token=${session.token}`));
    expect(await socket.next()).toMatchObject({ type: 'greeting' });
    socket.send({ message: 'What is a PEG ratio?', client_message_id: 'peg-1' });
    const first = await socket.next((frame) => frame.type === 'message');
    socket.send({ message: 'What is a PEG ratio?', client_message_id: 'peg-1' });
    const again = await socket.next((frame) => frame.type === 'message');
    expect(again).toMatchObject({ message: first.message, turn_id: 'peg-1' });
    expect(await turnsTaken(session.id)).toBe(1);
    socket.close();
  });

  it('streams a session token’s turn over /api/chat/stream when the body names no session (001 made it optional)', async () => {
    const session = await open();
    const streamed = await inject({
      method: 'POST',
      url: '/api/chat/stream',
      headers: { authorization: `Bearer ${session.token}` },
      payload: { message: 'Hello there' },
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body).toMatch(/"type":"done"/);
  });

  /** The id of a session's one turn. */
  async function onlyTurnId(sessionId: string): Promise<string> {
    return (await redisFixture.client.hget(gateway.keys.key('turns', sessionId), 's:1')) ?? '';
  }
});

describe('chat turns of sessions nobody owns spend the IP budget too', () => {
  const redisFixture = usePrivateRedis();
  let gateway: ServiceBase;

  beforeAll(async () => {
    const config = loadConfig(
      testEnv(redisFixture.redis, {
        JWT_SECRET: 'socket-doors-ip-secret-long-enough-for-hs256-012345',
        RATE_LIMIT_PER_IP: '4',
        RATE_LIMIT_PER_SESSION: '100',
        // No worker answers: the accepted turns give up waiting at once.
        CHAT_DEADLINE_MS: '100',
      }),
    );
    // No chat worker: a turn only has to be accepted to have spent its budgets.
    gateway = await buildGateway(config);
  });
  afterAll(() => gateway?.stop('test over'));

  it('refuses the next turn from an address that spent its budget opening sessions and chatting', async () => {
    const opened = [];
    // Opening a session is an open route: each spends one unit of the IP's four.
    for (let i = 0; i < 2; i++) {
      opened.push((await gateway.http.inject({ method: 'POST', url: '/api/sessions', payload: {} })).json());
    }
    const chatOn = (session: { session_id: string; session_token: string }) =>
      gateway.http.inject({
        method: 'POST',
        url: '/api/chat/stream',
        headers: { authorization: `Bearer ${session.session_token}` },
        payload: { session_id: session.session_id, message: 'Hello' },
      });
    // Each token has a budget of its own, but the address behind both pays for every turn.
    const [first, second] = opened;
    await gateway.http.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: `Bearer ${first.session_token}` },
      payload: { session_id: first.session_id, message: 'One' },
    });
    await gateway.http.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: `Bearer ${second.session_token}` },
      payload: { session_id: second.session_id, message: 'Two' },
    });
    const refused = await chatOn(first);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'SB_RATE_LIMITED' });
  });
});
