import { errorBodyValidator } from '@switchboard/contracts/errors';
import { topics } from '@switchboard/contracts/topics';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient } from './test-fixtures/sse-client.js';
import { startTestGateway, type TestGateway } from './test-fixtures/test-gateway.js';

describe('GET /api/sessions/:id/events (SSE)', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let gateway: TestGateway;
  let userToken: string;
  const opened: SseClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
    gateway = await startTestGateway(redis, { sseKeepAliveMs: 200 });
    await gateway.register(); // the first user is the admin
    userToken = (await gateway.register()).accessToken;
  });
  afterAll(async () => {
    await gateway.stop();
    for (const stream of opened) stream.close();
    await redis.stop();
  });

  function open(path: string, headers: Record<string, string>): SseClient {
    const stream = new SseClient(gateway.http(path), headers);
    opened.push(stream);
    return stream;
  }

  const subscribers = async (sessionId: string) =>
    (
      (await client.pubsub('NUMSUB', gateway.service.keys.channel(topics.session.channel(sessionId)))) as [
        string,
        number,
      ]
    )[1];

  it('replays what came after Last-Event-ID, then streams new events, each once and in order', async () => {
    const session = await gateway.openSession();
    const first = await gateway.events.append(session.id, 'chunk', { content: 'a' });
    await gateway.events.append(session.id, 'chunk', { content: 'b' });
    await gateway.events.append(session.id, 'email_sent', { message: 'sent' });

    const stream = open(`/api/sessions/${session.id}/events`, {
      authorization: `Bearer ${session.token}`,
      'last-event-id': first.id,
    });
    const response = await stream.response;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    expect(await stream.next()).toEqual({ retry: '2000' });
    expect(await stream.event()).toEqual({ id: expect.any(String), event: 'chunk', data: { content: 'b' } });
    expect(await stream.event()).toMatchObject({ event: 'email_sent', data: { message: 'sent' } });

    const live = await gateway.events.append(session.id, 'done', { is_complete: true });
    expect(await stream.event()).toEqual({ id: live.id, event: 'done', data: { is_complete: true } });
    expect(await stream.next()).toEqual({ comment: 'ping' });
  });

  it('resumes a broken stream with ?last_event_id= and loses nothing appended while it was away', async () => {
    const session = await gateway.openSession(userToken);
    const headers = { authorization: `Bearer ${userToken}` };
    const before = await gateway.events.append(session.id, 'chunk', { content: 'zero' });
    const first = open(`/api/sessions/${session.id}/events?last_event_id=${before.id}`, headers);
    await expect.poll(() => subscribers(session.id)).toBe(1);
    await gateway.events.append(session.id, 'chunk', { content: 'one' });
    const seen = await first.event();
    expect(seen.data).toEqual({ content: 'one' });
    first.close();
    // The gateway notices the client went and lets the subscription go.
    await expect.poll(() => subscribers(session.id)).toBe(0);

    for (const content of ['two', 'three']) await gateway.events.append(session.id, 'chunk', { content });
    const again = open(`/api/sessions/${session.id}/events?last_event_id=${seen.id}`, headers);
    await expect.poll(() => subscribers(session.id)).toBe(1);
    await gateway.events.append(session.id, 'chunk', { content: 'four' });
    const contents = [];
    for (let i = 0; i < 3; i++) contents.push(((await again.event()).data as { content: string }).content);
    expect(contents).toEqual(['two', 'three', 'four']);
  });

  it('refuses a bad resume id with 400 and an unknown session with 404, before any SSE byte', async () => {
    const session = await gateway.openSession();
    const refusal = async (path: string, headers: Record<string, string>) => {
      const stream = open(path, headers);
      const response = await stream.response;
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = await stream.json();
      expect(errorBodyValidator.Check(body)).toBe(true);
      return { status: response.statusCode, code: body.code };
    };
    const asSession = { authorization: `Bearer ${session.token}` };
    expect(
      await refusal(`/api/sessions/${session.id}/events`, { ...asSession, 'last-event-id': 'latest' }),
    ).toEqual({
      status: 400,
      code: 'SB_VALIDATION',
    });
    expect(await refusal(`/api/sessions/${session.id}/events?last_event_id=1-2-3`, asSession)).toEqual({
      status: 400,
      code: 'SB_VALIDATION',
    });
    expect(
      await refusal('/api/sessions/no-such-session/events', { authorization: `Bearer ${userToken}` }),
    ).toEqual({ status: 404, code: 'SB_NOT_FOUND' });
    expect(await refusal(`/api/sessions/${session.id}/events`, {})).toEqual({
      status: 401,
      code: 'SB_UNAUTHENTICATED',
    });
  });
});
