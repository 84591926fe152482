import { topics } from '@switchboard/contracts/topics';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestGateway, type TestGateway } from './test-fixtures/test-gateway.js';
import { TestSocket } from './test-fixtures/test-socket.js';

/**
 * The first frame on a session no turn has touched. No chat service has
 * published the lead assistant's greetings here, so it is the gateway's own.
 */
const freshGreeting = {
  type: 'greeting',
  message: 'Hi! Ask me anything about the markets.',
  data_collected: { name: false, email: false, income: false },
  is_complete: false,
};

describe('/ws/:session_id: 001 protocol', () => {
  const redisFixture = usePrivateRedis();
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(redisFixture.redis);
  });
  afterAll(() => gateway.stop());

  /** 001 has no frame that says the socket is following; the channel's subscriber count does. */
  async function followed(sessionId: string): Promise<void> {
    const channel = gateway.service.keys.channel(topics.session.channel(sessionId));
    await expect
      .poll(async () => ((await redisFixture.client.pubsub('NUMSUB', channel)) as [string, number])[1], {
        interval: 10,
      })
      .toBe(1);
  }

  it('closes an unknown session with 1008 and no greeting, whatever the token', async () => {
    const session = await gateway.openSession();
    for (const url of [`/ws/no-such-session?token=${session.token}`, '/ws/no-such-session', '/ws/bad%20id']) {
      const socket = await TestSocket.open(gateway.ws(url));
      expect(await socket.closed).toEqual({ code: 1008, reason: 'Session not found' });
      expect(socket.pending).toEqual([]);
    }
  });

  it('closes with 4401 without a token and 4403 with another session’s token', async () => {
    const session = await gateway.openSession();
    const other = await gateway.openSession();
    const bare = await TestSocket.open(gateway.ws(`/ws/${session.id}`));
    expect((await bare.closed).code).toBe(4401);
    const forged = await TestSocket.open(gateway.ws(`/ws/${session.id}?token=not-a-token`));
    expect((await forged.closed).code).toBe(4401);
    const wrong = await TestSocket.open(gateway.ws(`/ws/${session.id}?token=${other.token}`));
    expect((await wrong.closed).code).toBe(4403);
  });

  it('relays the session’s events as 001 frames, on ?token= or the bearer subprotocol', async () => {
    const session = await gateway.openSession();
    const byQuery = await TestSocket.open(gateway.ws(`/ws/${session.id}?token=${session.token}`));
    const bySubprotocol = await TestSocket.open(gateway.ws(`/ws/${session.id}`), ['bearer', session.token]);
    expect(bySubprotocol.socket.protocol).toBe('bearer');
    for (const socket of [byQuery, bySubprotocol]) expect(await socket.next()).toEqual(freshGreeting);
    await followed(session.id);

    const chunk = await gateway.events.append(session.id, 'chunk', { content: 'Hel' });
    await gateway.events.append(session.id, 'processing', {});
    await gateway.events.append(session.id, 'email_sent', { message: 'Sent to the team.' });
    const reply = await gateway.events.append(session.id, 'message', {
      message: 'Hello Bob',
      data_collected: { name: 'Bob', email: null, income: null },
      is_complete: false,
    });
    await gateway.events.append(session.id, 'done', { is_complete: false });
    for (const socket of [byQuery, bySubprotocol]) {
      expect(await socket.next()).toEqual({ type: 'chunk', content: 'Hel', event_id: chunk.id });
      expect(await socket.next()).toMatchObject({ type: 'email_sent', message: 'Sent to the team.' });
      expect(await socket.next()).toEqual({
        type: 'message',
        message: 'Hello Bob',
        data_collected: { name: 'Bob', email: null, income: null },
        is_complete: false,
        event_id: reply.id,
      });
    }
    // `processing` and `done` have no 001 frame: nothing else arrived.
    byQuery.send('{');
    expect(await byQuery.next()).toMatchObject({ type: 'error', code: 'SB_BAD_JSON' });
    expect(byQuery.pending).toEqual([]);
    byQuery.close();
    bySubprotocol.close();
  });

  it('starts a turn for each message, answers bad frames with errors and keeps the socket open', async () => {
    const session = await gateway.openSession();
    const socket = await TestSocket.open(gateway.ws(`/ws/${session.id}?token=${session.token}`));
    expect(await socket.next()).toEqual(freshGreeting);
    const answer = async (frame: unknown) => {
      socket.send(frame);
      return socket.next();
    };
    expect(await answer('not json')).toMatchObject({ type: 'error', code: 'SB_BAD_JSON' });
    expect(await answer({ message: '' })).toMatchObject({ type: 'error', code: 'SB_VALIDATION' });
    expect(await answer({ message: 'x'.repeat(2001) })).toMatchObject({
      type: 'error',
      code: 'SB_VALIDATION',
    });
    expect(await answer({ text: 'hi' })).toMatchObject({ type: 'error', code: 'SB_VALIDATION' });
    expect(await gateway.queuedTurns()).not.toContainEqual(
      expect.objectContaining({ session_id: session.id }),
    );

    // A message is a turn on the queue (no chat worker runs here); its reply comes through the session's feed.
    socket.send({ message: 'Hi, I am Bob', client_message_id: 'lead-hi' });
    await expect
      .poll(() => gateway.queuedTurns())
      .toContainEqual({
        turn_id: 'lead-hi',
        session_id: session.id,
        generation: expect.any(String),
        seq: 1,
        assistant: 'lead',
        message: 'Hi, I am Bob',
      });
    // Resent with the same id: the same turn, not a second one.
    socket.send({ message: 'Hi, I am Bob', client_message_id: 'lead-hi' });
    // Nothing answered either message: the next frame is the error for this one.
    expect(await answer('{')).toMatchObject({ type: 'error', code: 'SB_BAD_JSON' });
    expect(
      (await gateway.queuedTurns())
        .filter((turn) => turn.session_id === session.id)
        .map((turn) => turn.turn_id),
    ).toEqual(['lead-hi']);
    const reply = await gateway.events.append(session.id, 'message', {
      message: 'Nice to meet you, Bob.',
      turn_id: 'lead-hi',
    });
    expect(await socket.next()).toMatchObject({ type: 'message', event_id: reply.id });
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('replays what a reconnecting client missed after ?last_event_id=, once each, in order', async () => {
    const session = await gateway.openSession();
    const first = await TestSocket.open(gateway.ws(`/ws/${session.id}?token=${session.token}`));
    expect(await first.next()).toEqual(freshGreeting);
    await followed(session.id);
    const seen = await gateway.events.append(session.id, 'chunk', { content: 'a' });
    expect(await first.next()).toMatchObject({ content: 'a' });
    first.close();
    await first.closed;

    await gateway.events.append(session.id, 'chunk', { content: 'b' });
    await gateway.events.append(session.id, 'message', { message: 'ab' });
    const again = await TestSocket.open(
      gateway.ws(`/ws/${session.id}?token=${session.token}&last_event_id=${seen.id}`),
    );
    // The greeting comes first on every connection, before what is replayed.
    expect(await again.next()).toEqual(freshGreeting);
    await followed(session.id);
    await gateway.events.append(session.id, 'chunk', { content: 'c' });
    const frames = [await again.next(), await again.next(), await again.next()];
    expect(frames.map((frame) => frame.content ?? frame.message)).toEqual(['b', 'ab', 'c']);
    // A round trip: anything replayed twice would have arrived before this error.
    again.send('{');
    await again.next((frame) => frame.code === 'SB_BAD_JSON');
    expect(again.pending).toEqual([]);

    const badResume = await TestSocket.open(
      gateway.ws(`/ws/${session.id}?token=${session.token}&last_event_id=latest`),
    );
    expect(await badResume.closed).toEqual({ code: 1008, reason: 'Invalid last_event_id' });
    again.close();
  });
});
