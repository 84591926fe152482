import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestGateway, type TestGateway } from './test-fixtures/test-gateway.js';
import { TestSocket } from './test-fixtures/test-socket.js';

/** The next `event` a Socket.IO client receives (its first argument). */
function nextEvent(socket: Socket, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 3 s`)), 3_000);
    socket.once(event, (data: Record<string, unknown>) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

describe('/ws and /socket.io: 000 protocol', () => {
  const redisFixture = usePrivateRedis();
  let gateway: TestGateway;
  let userToken: string;

  beforeAll(async () => {
    gateway = await startTestGateway(redisFixture.redis);
    await gateway.register(); // the first user is the admin
    userToken = (await gateway.register()).accessToken;
  });
  afterAll(() => gateway.stop());

  it('greets, joins a session with its token and relays its events in 000 words until it leaves', async () => {
    const session = await gateway.openSession();
    const socket = await TestSocket.open(gateway.ws(`/ws?token=${session.token}`));
    const connected = await socket.event('connected');
    expect(connected.data).toMatchObject({ sid: expect.any(String), timestamp: expect.any(String) });

    socket.send({ event: 'join_session', data: { session_id: session.id } });
    expect((await socket.event('joined_session')).data).toMatchObject({ session_id: session.id });

    await gateway.events.append(session.id, 'processing', { message: 'Processing your message...' });
    const reply = await gateway.events.append(session.id, 'message', { message: 'Hello there' });
    await gateway.events.append(session.id, 'error', { message: 'The provider failed.' });
    expect((await socket.event('processing')).data).toMatchObject({ session_id: session.id });
    expect((await socket.event('chat_response')).data).toEqual({
      response: 'Hello there',
      session_id: session.id,
      timestamp: new Date(Number(reply.id.split('-')[0])).toISOString(),
      event_id: reply.id,
    });
    // And 000's room event for the same reply, in the words its bundled page listens for.
    expect((await socket.event('message')).data).toMatchObject({
      type: 'assistant_response',
      content: 'Hello there',
      session_id: session.id,
    });
    expect((await socket.event('error')).data).toMatchObject({
      error: 'The provider failed.',
      code: 'SB_UPSTREAM',
    });

    socket.send({ event: 'leave_session', data: { session_id: session.id } });
    await socket.event('left_session');
    await gateway.events.append(session.id, 'message', { message: 'nobody listens' });
    // A round trip after the append: had the event been relayed, it would have arrived first.
    socket.send({ event: 'leave_session', data: {} });
    await socket.event('error');
    expect(socket.pending).toEqual([]);
    socket.close();
  });

  it('starts a turn for chat_message, joining its session, answers every bad frame with an error event, and stays open', async () => {
    const session = await gateway.openSession();
    const socket = await TestSocket.open(gateway.ws(`/ws?token=${session.token}`));
    await socket.event('connected');
    const errorFor = async (frame: unknown) => {
      socket.send(frame);
      return (await socket.event('error')).data;
    };
    expect(
      await errorFor({ event: 'chat_message', data: { message: '  ', session_id: session.id } }),
    ).toEqual({
      error: 'Message is required',
      code: 'SB_VALIDATION',
    });
    expect(await gateway.queuedTurns()).not.toContainEqual(
      expect.objectContaining({ session_id: session.id }),
    );

    // Not joined yet: the message joins the session, then waits on the queue for a chat worker.
    socket.send({
      event: 'chat_message',
      data: { message: 'hi', session_id: session.id, client_message_id: 'dispatch-hi' },
    });
    expect((await socket.event('joined_session')).data).toMatchObject({ session_id: session.id });
    await expect
      .poll(() => gateway.queuedTurns())
      .toContainEqual(
        expect.objectContaining({ turn_id: 'dispatch-hi', session_id: session.id, message: 'hi', seq: 1 }),
      );
    // The worker's reply reaches the sender, who now follows the session.
    await gateway.events.append(session.id, 'message', { message: 'Hello', turn_id: 'dispatch-hi' });
    expect((await socket.event('chat_response')).data).toMatchObject({
      response: 'Hello',
      session_id: session.id,
    });

    expect(await errorFor('not json')).toMatchObject({ code: 'SB_BAD_JSON' });
    expect(await errorFor({ type: 'message' })).toMatchObject({ code: 'SB_VALIDATION' });
    expect(await errorFor({ event: 'dance', data: {} })).toMatchObject({
      code: 'SB_VALIDATION',
      error: expect.stringContaining('Unknown event "dance"'),
    });
    expect(await errorFor({ event: 'join_session', data: { session_id: 'has spaces' } })).toMatchObject({
      code: 'SB_VALIDATION',
    });
    expect(
      await errorFor({ event: 'chat_message', data: { message: 'hi', session_id: 'has spaces' } }),
    ).toMatchObject({
      code: 'SB_VALIDATION',
    });

    socket.send({ event: 'join', data: { session_id: session.id } });
    expect((await socket.event('joined_session')).data).toMatchObject({ session_id: session.id });
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('refuses chat_message on a session the caller may not join, and queues nothing for it', async () => {
    const own = await gateway.openSession(userToken);
    const other = await gateway.openSession();
    const socket = await TestSocket.open(gateway.ws(`/ws?token=${other.token}`));
    await socket.event('connected');
    socket.send({
      event: 'chat_message',
      data: { message: 'let me in', session_id: own.id, client_message_id: 'intruder' },
    });
    expect((await socket.event('error')).data).toMatchObject({ code: 'SB_FORBIDDEN' });
    expect(await gateway.queuedTurns()).not.toContainEqual(expect.objectContaining({ turn_id: 'intruder' }));
    expect(socket.pending).toEqual([]);
    socket.close();
  });

  it('lets only the session token, the owner or an admin join a session', async () => {
    const own = await gateway.openSession(userToken);
    const other = await gateway.openSession();
    const adminToken = (await gateway.register()).accessToken; // not the first user: a plain user
    const joinAs = async (query: string, sessionId: string) => {
      const socket = await TestSocket.open(gateway.ws(`/ws${query}`));
      socket.send({ event: 'join_session', data: { session_id: sessionId } });
      const answer = await socket.next((frame) => frame.event !== 'connected');
      socket.close();
      return answer;
    };
    expect(await joinAs('', own.id)).toMatchObject({ event: 'error', data: { code: 'SB_UNAUTHENTICATED' } });
    expect(await joinAs(`?token=${other.token}`, own.id)).toMatchObject({ data: { code: 'SB_FORBIDDEN' } });
    expect(await joinAs(`?token=${adminToken}`, own.id)).toMatchObject({ data: { code: 'SB_FORBIDDEN' } });
    expect(await joinAs(`?token=${userToken}`, own.id)).toMatchObject({ event: 'joined_session' });
    expect(await joinAs(`?token=${userToken}`, 'no-such-session')).toMatchObject({
      data: { code: 'SB_NOT_FOUND' },
    });
  });

  it('closes a socket that sends a frame over 64 KB with 1009', async () => {
    const socket = await TestSocket.open(gateway.ws('/ws'));
    await socket.event('connected');
    socket.send({ event: 'chat_message', data: { message: 'x'.repeat(70 * 1024), session_id: 's' } });
    expect((await socket.closed).code).toBe(1009);
  });

  it('refuses a flood with rate-limit errors, then closes it with 1008 when it keeps going', async () => {
    const socket = await TestSocket.open(gateway.ws('/ws'));
    await socket.event('connected');
    for (let i = 0; i < 21; i++) socket.send({ event: 'leave_session', data: {} });
    expect((await socket.next((frame) => frame.data?.code === 'SB_RATE_LIMITED')).event).toBe('error');
    for (let i = 0; i < 20; i++) await socket.next((frame) => frame.data?.code === 'SB_VALIDATION');
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);

    for (let i = 0; i < 20; i++) socket.send({ event: 'leave_session', data: {} });
    expect(await socket.closed).toEqual({ code: 1008, reason: 'Too many messages' });
  });

  it('gives a reconnecting client the events it missed, once each and in order, then live ones', async () => {
    const session = await gateway.openSession();
    const first = await TestSocket.open(gateway.ws(`/ws?token=${session.token}`));
    first.send({ event: 'join_session', data: { session_id: session.id } });
    await first.event('joined_session');
    const seen = await gateway.events.append(session.id, 'message', { message: 'one' });
    expect((await first.event('chat_response')).data.event_id).toBe(seen.id);
    first.close();
    await first.closed;

    for (const text of ['two', 'three'])
      await gateway.events.append(session.id, 'message', { message: text });
    const again = await TestSocket.open(gateway.ws(`/ws?token=${session.token}`));
    again.send({ event: 'join_session', data: { session_id: session.id, last_event_id: seen.id } });
    await again.event('joined_session');
    await gateway.events.append(session.id, 'message', { message: 'four' });
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push((await again.event('chat_response')).data.response);
    expect(responses).toEqual(['two', 'three', 'four']);
    await gateway.events.append(session.id, 'done', { is_complete: true });
    await again.event('done');
    expect(again.pending.filter((frame) => (frame as { event: string }).event === 'chat_response')).toEqual(
      [],
    );
    again.close();
  });

  it('speaks the same events to an unchanged Socket.IO client, polling first, then upgraded', async () => {
    const session = await gateway.openSession();
    const client = io(gateway.http(''), { auth: { token: session.token }, reconnection: false });
    try {
      const connected = await nextEvent(client, 'connected');
      expect(connected).toMatchObject({ sid: client.id });
      if (client.io.engine.transport.name !== 'websocket') {
        await new Promise((resolve) => client.io.engine.once('upgrade', resolve));
      }
      expect(client.io.engine.transport.name).toBe('websocket');

      client.emit('join_session', { session_id: session.id });
      expect(await nextEvent(client, 'joined_session')).toMatchObject({ session_id: session.id });
      const reply = nextEvent(client, 'chat_response');
      await gateway.events.append(session.id, 'message', { message: 'Hi from the worker' });
      expect(await reply).toMatchObject({ response: 'Hi from the worker', session_id: session.id });

      client.emit('chat_message', {
        message: 'hello',
        session_id: session.id,
        client_message_id: 'sio-hello',
      });
      await expect
        .poll(() => gateway.queuedTurns())
        .toContainEqual(
          expect.objectContaining({ turn_id: 'sio-hello', session_id: session.id, message: 'hello' }),
        );
      const blank = nextEvent(client, 'error');
      client.emit('chat_message', { message: '', session_id: session.id });
      expect(await blank).toEqual({ error: 'Message is required', code: 'SB_VALIDATION' });
      const unknown = nextEvent(client, 'error');
      client.emit('dance', { steps: 3 });
      expect(await unknown).toMatchObject({ code: 'SB_VALIDATION' });
      expect(client.connected).toBe(true);
    } finally {
      client.close();
    }
  });

  it('serves Socket.IO long-polling alone, and refuses a bad token in the handshake', async () => {
    const polling = io(gateway.http(''), { transports: ['polling'], reconnection: false });
    try {
      expect(await nextEvent(polling, 'connected')).toMatchObject({ sid: polling.id });
      const refusal = nextEvent(polling, 'error');
      polling.emit('join_session', { session_id: 'whatever' });
      expect(await refusal).toMatchObject({ code: 'SB_NOT_FOUND' });
    } finally {
      polling.close();
    }
    const forged = io(gateway.http(''), { auth: { token: 'not-a-token' }, reconnection: false });
    try {
      const error = await new Promise<Error>((resolve) => forged.once('connect_error', resolve));
      expect(error.message).toBe('Invalid token');
    } finally {
      forged.close();
    }
  });
});
