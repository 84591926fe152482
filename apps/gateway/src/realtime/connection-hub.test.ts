import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { topics } from '@switchboard/contracts/topics';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { startRedis } from '@switchboard/testkit/redis-server';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRealtimeLimits } from './realtime-limits.js';
import { startTestGateway, type TestGateway } from './test-fixtures/test-gateway.js';
import { TestSocket } from './test-fixtures/test-socket.js';

/**
 * A WebSocket client that completes the handshake and then never reads a
 * byte (nor answers a ping): a peer that stopped reading, or a dead one.
 */
async function stalledClient(port: number, path: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<string>((resolve) =>
    socket.once('data', (data) => resolve(data.toString())),
  );
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  socket.pause();
  return socket;
}

describe('connection hub', () => {
  const redisFixture = usePrivateRedis();
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(redisFixture.redis);
  });
  afterAll(() => gateway.stop());

  const subscribers = async (sessionId: string) =>
    (
      (await redisFixture.client.pubsub(
        'NUMSUB',
        gateway.service.keys.channel(topics.session.channel(sessionId)),
      )) as [string, number]
    )[1];

  async function connections(path: string): Promise<number> {
    const gauge = gateway.service.metrics.registry.getSingleMetric('sb_ws_connections');
    const values = (await gauge?.get())?.values ?? [];
    return values.find((value) => value.labels.path === path)?.value ?? 0;
  }

  it('holds one Redis subscription per session, however many sockets of any kind watch it', async () => {
    const session = await gateway.openSession();
    const dispatch = await Promise.all(
      [1, 2, 3].map(() => TestSocket.open(gateway.ws(`/ws?token=${session.token}`))),
    );
    for (const socket of dispatch) socket.send({ event: 'join_session', data: { session_id: session.id } });
    await Promise.all(dispatch.map((socket) => socket.event('joined_session')));
    const lead = await TestSocket.open(gateway.ws(`/ws/${session.id}?token=${session.token}`));
    expect(await lead.next()).toMatchObject({ type: 'greeting' });
    const socketIo = io(gateway.http(''), { auth: { token: session.token }, reconnection: false });
    const joined = new Promise((resolve) => socketIo.once('joined_session', resolve));
    socketIo.emit('join_session', { session_id: session.id });
    await joined;

    expect(await subscribers(session.id)).toBe(1);
    expect(await connections('/ws')).toBe(3);
    expect(await connections('/ws/:session_id')).toBe(1);
    expect(await connections('/socket.io')).toBe(1);
    const entry = await gateway.events.append(session.id, 'message', { message: 'to all' });
    for (const socket of dispatch) expect((await socket.event('chat_response')).data.event_id).toBe(entry.id);
    expect(await lead.next()).toMatchObject({ type: 'message', event_id: entry.id });

    for (const socket of [...dispatch, lead]) socket.close();
    socketIo.close();
    await expect.poll(() => subscribers(session.id)).toBe(0);
    await expect.poll(() => connections('/ws')).toBe(0);
    await expect.poll(() => connections('/socket.io')).toBe(0);
  });

  it('drops a client that stops reading, with what is queued for it bounded', async () => {
    const session = await gateway.openSession();
    const stalled = await stalledClient(gateway.port, `/ws/${session.id}?token=${session.token}`);
    await expect.poll(() => subscribers(session.id)).toBe(1);
    const [serverSide] = gateway.service.http.websocketServer.clients;
    const content = 'x'.repeat(32 * 1024);
    let pushed = 0;
    let mostQueued = 0;
    while (serverSide!.readyState === serverSide!.OPEN && pushed < 64 * 1024 * 1024) {
      await gateway.events.append(session.id, 'chunk', { content });
      pushed += content.length;
      mostQueued = Math.max(mostQueued, serverSide!.bufferedAmount);
    }
    expect(serverSide!.readyState).not.toBe(serverSide!.OPEN);
    // What the kernel buffers took is the kernel's; what the gateway holds stays under the limit plus one frame.
    expect(mostQueued).toBeLessThanOrEqual(defaultRealtimeLimits.maxBufferedBytes + 2 * content.length);
    await expect.poll(() => connections('/ws/:session_id')).toBe(0);
    await expect.poll(() => subscribers(session.id)).toBe(0);
    stalled.destroy();
  });
});

describe('connection hub heartbeat and shutdown', () => {
  it('terminates a peer that does not answer pings, keeps one that does, and closes all with 1001 on shutdown', async () => {
    const redis = await startRedis();
    const gateway = await startTestGateway(redis, { heartbeatMs: 100 });
    try {
      const dead = await stalledClient(gateway.port, '/ws');
      const deadClosed = new Promise((resolve) => dead.once('close', resolve));
      dead.resume(); // it reads, but never answers a ping
      const alive = await TestSocket.open(gateway.ws('/ws'));
      await deadClosed;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(alive.socket.readyState).toBe(alive.socket.OPEN);

      const socketIo = io(gateway.http(''), { reconnection: false });
      await new Promise((resolve) => socketIo.once('connected', resolve));
      const socketIoGone = new Promise((resolve) => socketIo.once('disconnect', resolve));
      await gateway.stop();
      expect(await alive.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
      expect(await socketIoGone).toBe('io server disconnect');
    } finally {
      await gateway.stop();
      await redis.stop();
    }
  });
});
