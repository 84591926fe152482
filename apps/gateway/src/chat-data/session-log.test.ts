import { queues } from '@switchboard/contracts/queues';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  admin,
  bearer,
  type ChatDataGateway,
  startChatDataGateway,
} from './test-fixtures/chat-data-gateway.js';

const today = () => new Date().toISOString().slice(0, 10);

describe("002's session start/stop and its daily log", () => {
  const fixture = usePrivateRedis();
  let gateway: ChatDataGateway;

  beforeAll(async () => {
    gateway = await startChatDataGateway(fixture.redis);
    await gateway.register('root');
  });
  afterAll(() => gateway?.stop());

  const start = async (headers: Record<string, string> = {}) => {
    const started = await gateway.inject({ method: 'POST', url: '/api/session/start', headers });
    expect(started.statusCode, started.body).toBe(200);
    return started.json() as {
      session_id: string;
      timestamp: string;
      session_token: string;
      expires_at: string;
    };
  };
  const stop = (sessionId: string, token: string, metrics?: unknown) =>
    gateway.inject({
      method: 'POST',
      url: '/api/session/stop',
      headers: bearer(token),
      payload: { session_id: sessionId, ...(metrics === undefined ? {} : { metrics }) },
    });
  const log = async (query = '') => {
    const read = await gateway.inject({ method: 'GET', url: `/api/session-log${query}`, headers: admin });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.headers['content-type']).toMatch(/^application\/x-ndjson/);
    return read.body;
  };

  it('logs two starts and one stop with its own duration; a second stop and an unknown id are 404 (scenario 21)', async () => {
    const a = await start();
    const b = await start();
    expect(a.session_id).toMatch(/^session_\d{8}_\d{6}_[0-9a-f]{12}$/);
    expect(b.session_id).not.toBe(a.session_id);
    expect(a).toEqual({
      session_id: a.session_id,
      timestamp: expect.any(String),
      session_token: expect.any(String),
      expires_at: expect.any(String),
    });
    const session = await gateway.stores.sessions.get(a.session_id);
    expect(session).toMatchObject({ assistant: 'general', owner_id: null });

    const metrics = { messages_sent: 3, messages_received: 3, theme: 'dark', voice: false };
    const stopped = await stop(a.session_id, a.session_token, metrics);
    expect(stopped.statusCode, stopped.body).toBe(200);
    const body = stopped.json();
    expect(body).toEqual({
      status: 'stopped',
      timestamp: expect.any(String),
      session_id: a.session_id,
      duration_seconds: expect.any(Number),
    });
    expect(body.duration_seconds).toBe((Date.parse(body.timestamp) - Date.parse(session!.created_at)) / 1000);

    const again = await stop(a.session_id, a.session_token, metrics);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({
      code: 'SB_NOT_FOUND',
      error: `Session ${a.session_id} is already stopped`,
    });
    const unknown = await gateway.inject({
      method: 'POST',
      url: '/api/session/stop',
      headers: admin,
      payload: { session_id: 'nope' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'SB_NOT_FOUND', error: 'Session nope not found' });

    const lines = (await log()).trimEnd().split('\n');
    const entries = lines.map((line) => JSON.parse(line));
    const mine = entries.filter((entry) => [a.session_id, b.session_id].includes(entry.session_id));
    expect(mine.map((entry) => [entry.event, entry.session_id])).toEqual([
      ['session_start', a.session_id],
      ['session_start', b.session_id],
      ['session_stop', a.session_id],
    ]);
    expect(mine[2]).toEqual({
      event: 'session_stop',
      session_id: a.session_id,
      timestamp: body.timestamp,
      date: today(),
      duration_seconds: body.duration_seconds,
      metrics,
    });
    expect(mine[0]).toEqual({
      event: 'session_start',
      session_id: a.session_id,
      timestamp: a.timestamp,
      date: today(),
    });
    expect(await log(`?date=${today()}`)).toBe(lines.map((line) => `${line}\n`).join(''));

    // Each line also went to the chat service's file writer, once.
    const jobs = await gateway.service
      .producer(queues.chat)
      .queue.getJobs(['waiting', 'delayed', 'prioritized']);
    const logJobs = jobs.filter((job) => job.name === 'session_log');
    expect(logJobs.map((job) => job.data.payload.line).sort()).toEqual([...lines].sort());
    expect(logJobs.every((job) => job.data.payload.date === today())).toBe(true);
  });

  it("makes a logged-in user the owner, within the user's session limit", async () => {
    const token = await gateway.register('dave');
    const owned = await start(bearer(token));
    const me = (await gateway.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) })).json();
    expect(await gateway.stores.sessions.get(owned.session_id)).toMatchObject({ owner_id: me.id });
    // The user's own token stops it too.
    expect((await stop(owned.session_id, token)).statusCode).toBe(200);
    // A stopped session no longer counts: three more fit, the fourth does not.
    for (let i = 0; i < 3; i++) await start(bearer(token));
    const refused = await gateway.inject({
      method: 'POST',
      url: '/api/session/start',
      headers: bearer(token),
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().details.active_session_ids).toHaveLength(3);
  });

  it('refuses a stop without a token (401), for another session (403), and bad metrics (400)', async () => {
    const a = await start();
    const b = await start();
    const anonymous = await gateway.inject({
      method: 'POST',
      url: '/api/session/stop',
      payload: { session_id: a.session_id },
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await stop(a.session_id, b.session_token)).statusCode).toBe(403);
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, i]));
    for (const metrics of [tooMany, { nested: { a: 1 } }, [1, 2], 'text', { long: 'x'.repeat(1_001) }]) {
      const refused = await stop(a.session_id, a.session_token, metrics);
      expect(refused.statusCode, JSON.stringify(metrics)).toBe(400);
      expect(refused.json().code).toBe('SB_VALIDATION');
    }
    // Nothing was stopped by the refused calls.
    expect((await stop(a.session_id, a.session_token, {})).statusCode).toBe(200);
  });

  it('streams a long day page by page, every line once and in order', async () => {
    // Yesterday: a day of its own, still within the retention.
    const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const written: string[] = [];
    for (let i = 0; i < 450; i++) {
      written.push(
        await gateway.stores.sessionLog.append({
          event: 'metric',
          session_id: `session_${i}`,
          timestamp: `${date}T12:00:00.000Z`,
          date,
          metric_name: 'latency_ms',
          metric_value: i,
        }),
      );
    }
    const ranges = vi.spyOn(gateway.service.redis, 'lrange');
    try {
      expect(await log(`?date=${date}`)).toBe(written.map((line) => `${line}\n`).join(''));
      const dayKey = gateway.service.keys.key('session-log', date);
      const read = ranges.mock.calls
        .filter((call) => call[0] === dayKey)
        .map((call) => [Number(call[1]), Number(call[2])]);
      // At least three ranges, each a bounded page, together the whole day.
      expect(read.length).toBeGreaterThanOrEqual(3);
      expect(read.every(([start, stop]) => start! >= 0 && stop! >= start!)).toBe(true);
      expect(read.map(([start, stop]) => stop! - start! + 1).reduce((sum, size) => sum + size, 0)).toBe(450);
    } finally {
      ranges.mockRestore();
    }
  });

  it('reads the log to admins only, for a real calendar day', async () => {
    expect((await log('?date=2001-01-01')).length).toBe(0);
    for (const date of ['2025-02-30', '2025-13-01', 'yesterday', '2025-1-1']) {
      const refused = await gateway.inject({
        method: 'GET',
        url: `/api/session-log?date=${date}`,
        headers: admin,
      });
      expect(refused.statusCode, date).toBe(400);
      expect(refused.json().code).toBe('SB_VALIDATION');
    }
    const user = await gateway.register('erin');
    expect(
      (await gateway.inject({ method: 'GET', url: '/api/session-log', headers: bearer(user) })).statusCode,
    ).toBe(403);
    expect((await gateway.inject({ method: 'GET', url: '/api/session-log' })).statusCode).toBe(401);
  });
});
