import type { ChatMessage } from '@switchboard/contracts/chat';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  bearer,
  type ChatDataGateway,
  generalCard,
  leadCard,
  offlineLlm,
  startChatDataGateway,
} from './test-fixtures/chat-data-gateway.js';

const messages = (sessionId: string, count: number, from = 0): ChatMessage[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${sessionId}-m${from + i}`,
    role: (from + i) % 2 === 0 ? 'user' : 'assistant',
    content: `message ${from + i}, with "quotes", commas\nand a newline`,
    timestamp: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, from + i)).toISOString(),
    turn_id: `turn-${Math.floor((from + i) / 2)}`,
  }));

/** 000's exchanges of `messages()`: each user message with the assistant message after it. */
const exchanges = (sessionId: string, count: number) =>
  Array.from({ length: count / 2 }, (_, i) => {
    const [user, assistant] = messages(sessionId, 2, 2 * i) as [ChatMessage, ChatMessage];
    return {
      timestamp: user.timestamp,
      user: user.content,
      assistant: assistant.content,
      turn_id: user.turn_id,
    };
  });

const income = {
  raw: 'about 120k a year',
  annual_usd_min: 120_000,
  annual_usd_max: 120_000,
  bucket: '100k-200k',
};

describe('session routes', () => {
  const fixture = usePrivateRedis();
  let gateway: ChatDataGateway;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    gateway = await startChatDataGateway(fixture.redis);
    await gateway.register('root'); // the first user is the admin; the others are plain users
    [alice, bob] = [await gateway.register('alice'), await gateway.register('bob')];
  });
  afterAll(() => gateway?.stop());

  const get = (url: string, headers: Record<string, string> = {}) =>
    gateway.inject({ method: 'GET', url, headers });

  describe('POST /api/sessions', () => {
    it("answers 001's fields and the token, with no greeting before the chat service has published one", async () => {
      const created = await gateway.inject({ method: 'POST', url: '/api/sessions' });
      expect(created.statusCode, created.body).toBe(201);
      const body = created.json();
      expect(body).toEqual({
        session_id: expect.any(String),
        timestamp: body.created_at,
        status: 'active',
        assistant: 'lead',
        created_at: expect.any(String),
        expires_at: expect.any(String),
        session_token: expect.any(String),
      });
      expect(await gateway.stores.history.count(body.session_id)).toBe(0);
    });

    it("stores the lead assistant's greeting as turn 0 once the catalog is published", async () => {
      await gateway.stores.catalog.publish([leadCard, generalCard], offlineLlm);
      const lead = await gateway.openSession();
      expect(leadCard.greetings).toContain(lead.greeting);
      const [first, ...rest] = await gateway.stores.history.recent(lead.session_id, 10);
      expect(rest).toEqual([]);
      expect(first).toMatchObject({ role: 'assistant', content: lead.greeting });
      expect(first?.turn_id).toBeUndefined();

      const detail = await get(`/api/sessions/${lead.session_id}`, bearer(lead.session_token));
      expect(detail.json().conversation_history).toEqual([
        { role: 'assistant', content: lead.greeting, timestamp: first?.timestamp },
      ]);

      const general = await gateway.openSession(undefined, { assistant: 'general' });
      expect(general.greeting).toBeUndefined();
      expect(await gateway.stores.history.count(general.session_id)).toBe(0);
    });

    it("refuses a user's 4th active session with the ids of the other three, and allows one after a delete", async () => {
      const carol = await gateway.register('carol');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await gateway.openSession(carol)).session_id);
      const fourth = await gateway.inject({
        method: 'POST',
        url: '/api/sessions',
        headers: bearer(carol),
        payload: {},
      });
      expect(fourth.statusCode).toBe(409);
      expect(fourth.json()).toMatchObject({ success: false, code: 'SB_SESSION_LIMIT' });
      expect([...fourth.json().details.active_session_ids].sort()).toEqual([...ids].sort());
      // Anonymous sessions do not count against her.
      await gateway.openSession();

      const deleted = await gateway.inject({
        method: 'DELETE',
        url: `/api/sessions/${ids[0]}`,
        headers: bearer(carol),
      });
      expect(deleted.statusCode).toBe(200);
      await gateway.openSession(carol);
    });
  });

  describe('GET /api/sessions and /sessions', () => {
    let own: { session_id: string; session_token: string }[];

    beforeAll(async () => {
      own = [await gateway.openSession(alice), await gateway.openSession(alice)];
      await gateway.stores.leads.update(own[1]!.session_id, {
        name: 'Alice',
        email: 'alice@example.com',
        income,
      });
      await gateway.stores.history.append(own[1]!.session_id, ...messages(own[1]!.session_id, 4));
      await gateway.openSession(bob);
    });

    it("lists a user's own sessions, newest first, as 000's object with emails masked", async () => {
      for (const url of ['/api/sessions', '/sessions']) {
        const listed = await get(url, bearer(alice));
        expect(listed.statusCode, listed.body).toBe(200);
        const body = listed.json();
        expect(body).toMatchObject({ total: 2, active_count: 2, limit: 50, skip: 0 });
        expect(body.sessions.map((session: { session_id: string }) => session.session_id)).toEqual([
          own[1]!.session_id,
          own[0]!.session_id,
        ]);
        const withLead = body.sessions[0];
        expect(withLead).toEqual({
          session_id: own[1]!.session_id,
          created_at: expect.any(String),
          message_count: 5, // the greeting and four messages
          last_message: messages(own[1]!.session_id, 4)[3]!.timestamp,
          assistant: 'lead',
          status: 'active',
          last_activity_at: expect.any(String),
          expires_at: expect.any(String),
          data: { name: 'Alice', email: 'a***@example.com', income: income.raw },
        });
      }
    });

    it('pages with limit and skip', async () => {
      const second = (await get('/api/sessions?limit=1&skip=1', bearer(alice))).json();
      expect(second).toMatchObject({ total: 2, limit: 1, skip: 1 });
      expect(second.sessions.map((session: { session_id: string }) => session.session_id)).toEqual([
        own[0]!.session_id,
      ]);
      expect((await get('/api/sessions?limit=101', bearer(alice))).statusCode).toBe(400);
    });

    it("answers 001's bare SessionData array with ?format=array", async () => {
      const listed = (await get('/api/sessions?format=array', bearer(alice))).json();
      expect(Array.isArray(listed)).toBe(true);
      expect(listed[0]).toMatchObject({
        session_id: own[1]!.session_id,
        status: 'active',
        data: { name: 'Alice', email: 'a***@example.com', income: income.raw },
        conversation_history: [],
        completed_at: null,
        data_collected: { name: true, email: true, income: true },
        is_complete: false,
      });
      expect(listed[0].timestamp).toBe(listed[0].created_at);
    });

    it('shows an admin every session, and nobody else the others', async () => {
      const all = (await get('/api/sessions?limit=100', admin)).json();
      const ids = all.sessions.map((session: { session_id: string }) => session.session_id);
      expect(ids).toEqual(expect.arrayContaining(own.map((session) => session.session_id)));
      expect(all.total).toBeGreaterThan(4);
      const bobs = (await get('/api/sessions', bearer(bob))).json();
      expect(bobs.total).toBe(1);
      expect(bobs.sessions[0].session_id).not.toBe(own[0]!.session_id);
    });

    it('refuses nobody (401) and a session token (403)', async () => {
      const nobody = await get('/api/sessions');
      expect(nobody.statusCode).toBe(401);
      expect(nobody.json()).toMatchObject({ success: false, code: 'SB_UNAUTHENTICATED' });
      expect((await get('/sessions', bearer(own[0]!.session_token))).statusCode).toBe(403);
    });
  });

  describe('GET /api/sessions/:id', () => {
    it("answers 001's SessionData with the transcript, unmasked, to the session's token and its owner", async () => {
      const session = await gateway.openSession(alice);
      const id = session.session_id;
      await gateway.stores.history.append(id, ...messages(id, 2));
      await gateway.stores.leads.update(id, { name: 'Alice', email: 'alice@example.com', income });
      for (const headers of [bearer(session.session_token), bearer(alice), admin]) {
        const read = await get(`/api/sessions/${id}`, headers);
        expect(read.statusCode, read.body).toBe(200);
        const body = read.json();
        expect(body).toMatchObject({
          session_id: id,
          timestamp: body.created_at,
          status: 'active',
          data: { name: 'Alice', email: 'alice@example.com', income: income.raw },
          completed_at: null,
          assistant: 'lead',
          data_collected: { name: true, email: true, income: true },
          is_complete: false,
          message_count: 3,
        });
        expect(body.conversation_history.map((entry: { role: string }) => entry.role)).toEqual([
          'assistant',
          'user',
          'assistant',
        ]);
        expect(body.conversation_history[1]).toEqual({
          role: 'user',
          content: messages(id, 2)[0]!.content,
          timestamp: messages(id, 2)[0]!.timestamp,
        });
        expect(body.messages.slice(1)).toEqual(messages(id, 2));
        expect(typeof body.updated_at).toBe('string');
        expect(typeof body.expires_at).toBe('string');
      }
    });

    it('is 404 for an unknown id, 401 without a token, 403 for another session or user', async () => {
      const missing = await get('/api/sessions/nope', admin);
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({
        success: false,
        code: 'SB_NOT_FOUND',
        error: 'Session nope not found',
      });
      const session = await gateway.openSession();
      const other = await gateway.openSession();
      expect((await get(`/api/sessions/${session.session_id}`)).statusCode).toBe(401);
      expect((await get(`/api/sessions/${session.session_id}`, bearer(other.session_token))).statusCode).toBe(
        403,
      );
      expect((await get(`/api/sessions/${session.session_id}`, bearer(bob))).statusCode).toBe(403);
    });
  });

  describe('DELETE /api/sessions/:id and /sessions/:id', () => {
    it('removes the session with its history and events; the list keeps the other (scenario 12)', async () => {
      const [s1, s2] = [await gateway.openSession(), await gateway.openSession()];
      await gateway.stores.history.append(s1.session_id, ...messages(s1.session_id, 2));
      await gateway.stores.leads.update(s1.session_id, { name: 'Sam' });
      await gateway.stores.events.append(s1.session_id, 'chunk', { content: 'Hi' });

      const deleted = await gateway.inject({
        method: 'DELETE',
        url: `/api/sessions/${s1.session_id}`,
        headers: bearer(s1.session_token),
      });
      expect(deleted.statusCode, deleted.body).toBe(200);
      expect(deleted.json()).toEqual({
        success: true,
        message: `Session ${s1.session_id} deleted`,
        session_id: s1.session_id,
      });

      const ids = (await get('/api/sessions?limit=100', admin))
        .json()
        .sessions.map((session: { session_id: string }) => session.session_id);
      expect(ids).toContain(s2.session_id);
      expect(ids).not.toContain(s1.session_id);
      expect((await get(`/sessions/${s1.session_id}/export`, admin)).statusCode).toBe(404);
      expect((await get(`/api/sessions/${s1.session_id}`, admin)).statusCode).toBe(404);
      // Nothing is left for the next chat on that id to pick up.
      expect(await gateway.stores.history.count(s1.session_id)).toBe(0);
      expect(await gateway.stores.leads.get(s1.session_id)).toBeNull();
      expect(await gateway.stores.events.after(s1.session_id, '0-0')).toEqual([]);

      const again = await gateway.inject({
        method: 'DELETE',
        url: `/sessions/${s1.session_id}`,
        headers: admin,
      });
      expect(again.statusCode).toBe(404);
      expect(again.json()).toMatchObject({
        code: 'SB_NOT_FOUND',
        error: `Session ${s1.session_id} not found`,
      });
    });

    it("keeps a completed lead in the admin list, serves 000's path, and refuses other sessions", async () => {
      const session = await gateway.openSession();
      const id = session.session_id;
      await gateway.stores.leads.update(id, { name: 'Dana', email: 'dana@example.com', income });
      await gateway.stores.leads.complete(id, 'turn-1');
      const other = await gateway.openSession();
      const refused = await gateway.inject({
        method: 'DELETE',
        url: `/sessions/${id}`,
        headers: bearer(other.session_token),
      });
      expect(refused.statusCode).toBe(403);
      expect((await gateway.inject({ method: 'DELETE', url: `/sessions/${id}` })).statusCode).toBe(401);

      const deleted = await gateway.inject({
        method: 'DELETE',
        url: `/sessions/${id}`,
        headers: bearer(session.session_token),
      });
      expect(deleted.statusCode).toBe(200);
      const leads = (await get('/api/admin/leads', admin)).json();
      expect(leads.leads.map((lead: { session_id: string }) => lead.session_id)).toContain(id);
    });
  });

  describe('export', () => {
    let long: { session_id: string; session_token: string };

    beforeAll(async () => {
      long = await gateway.openSession(undefined, { assistant: 'general' });
      for (let from = 0; from < 1_000; from += 250) {
        await gateway.stores.history.append(long.session_id, ...messages(long.session_id, 250, from));
      }
    });

    it('downloads a 1,000-message session as one JSON file named as 000 named it', async () => {
      const exported = await gateway.inject({
        method: 'POST',
        url: `/sessions/${long.session_id}/export`,
        headers: bearer(long.session_token),
      });
      expect(exported.statusCode, exported.body.slice(0, 300)).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^application\/json/);
      expect(exported.headers['content-disposition']).toMatch(
        new RegExp(`^attachment; filename="session_${long.session_id}_\\d{8}_\\d{6}\\.json"$`),
      );
      const body = JSON.parse(exported.body);
      expect(Object.keys(body)).toEqual([
        'session_id',
        'created_at',
        'assistant',
        'data',
        'message_count',
        'messages',
        'conversation',
        'exported_at',
      ]);
      expect(body).toMatchObject({ session_id: long.session_id, assistant: 'general', message_count: 1_000 });
      expect(body.messages).toHaveLength(500);
      expect(body.messages).toEqual(exchanges(long.session_id, 1_000));
      expect(body.conversation).toEqual(messages(long.session_id, 1_000));
      expect(Date.parse(body.exported_at)).not.toBeNaN();
    });

    it('downloads it as JSON Lines: a session line, then one line per exchange with its messages', async () => {
      for (const method of ['GET', 'POST'] as const) {
        const exported = await gateway.inject({
          method,
          url: `/api/sessions/${long.session_id}/export?format=jsonl`,
          headers: bearer(long.session_token),
        });
        expect(exported.statusCode).toBe(200);
        expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
        expect(exported.headers['content-disposition']).toMatch(/filename="session_.+_\d{8}_\d{6}\.jsonl"$/);
        const lines = exported.body.trimEnd().split('\n');
        expect(lines).toHaveLength(501);
        const [head, ...rest] = lines.map((line) => JSON.parse(line));
        expect(head).toMatchObject({ type: 'session', session_id: long.session_id, message_count: 1_000 });
        expect(rest).toEqual(
          exchanges(long.session_id, 1_000).map((exchange, i) => ({
            type: 'exchange',
            ...exchange,
            conversation: messages(long.session_id, 2, 2 * i),
          })),
        );
      }
    });

    it("groups 000's exchanges: the greeting alone, an agent's wait with its continuation, turns without reply", async () => {
      const session = await gateway.openSession(undefined, { assistant: 'general' });
      const at = (second: number) => new Date(Date.UTC(2025, 0, 2, 9, 0, second)).toISOString();
      const stored: ChatMessage[] = [
        { id: 'g', role: 'assistant', content: 'Hello! How can I help?', timestamp: at(0) },
        { id: 'u1', role: 'user', content: 'Drop the staging table', timestamp: at(1), turn_id: 't1' },
        {
          id: 'a1',
          role: 'assistant',
          content: 'I asked a human whether to drop it.',
          timestamp: at(2),
          turn_id: 't1',
          feedback_request_id: 'fr-1',
        },
        {
          id: 'r1',
          role: 'assistant',
          content: 'Approved: dropped.',
          timestamp: at(9),
          turn_id: 'resume:fr-1',
        },
        { id: 'u2', role: 'user', content: 'Thanks', timestamp: at(10), turn_id: 't2' },
        { id: 'u3', role: 'user', content: 'Still there?', timestamp: at(12), turn_id: 't3' },
      ];
      // Past the export's page of 200, and after an odd number of messages: the exchange of
      // messages 199 and 200 straddles a page boundary and stays whole.
      const filler = messages(session.session_id, 400, 1).map((message, i) => ({
        ...message,
        role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      }));
      await gateway.stores.history.append(
        session.session_id,
        ...stored.slice(0, -1),
        ...filler,
        stored.at(-1)!,
      );

      const exported = await gateway.inject({
        method: 'GET',
        url: `/api/sessions/${session.session_id}/export`,
        headers: bearer(session.session_token),
      });
      expect(exported.statusCode).toBe(200);
      const body = JSON.parse(exported.body);
      expect(body.message_count).toBe(406);
      expect(body.conversation).toHaveLength(406);
      expect(body.messages).toHaveLength(204);
      expect(body.messages.slice(0, 3)).toEqual([
        { timestamp: at(0), user: null, assistant: 'Hello! How can I help?', turn_id: null },
        {
          timestamp: at(1),
          user: 'Drop the staging table',
          assistant: 'I asked a human whether to drop it.\n\nApproved: dropped.',
          turn_id: 't1',
        },
        { timestamp: at(10), user: 'Thanks', assistant: null, turn_id: 't2' },
      ]);
      expect(body.messages.slice(3, -1)).toEqual(
        Array.from({ length: 200 }, (_, i) => ({
          timestamp: filler[2 * i]?.timestamp,
          user: filler[2 * i]?.content,
          assistant: filler[2 * i + 1]?.content,
          turn_id: filler[2 * i]?.turn_id,
        })),
      );
      expect(body.messages.at(-1)).toEqual({
        timestamp: at(12),
        user: 'Still there?',
        assistant: null,
        turn_id: 't3',
      });

      const jsonl = await gateway.inject({
        method: 'POST',
        url: `/sessions/${session.session_id}/export?format=jsonl`,
        headers: bearer(session.session_token),
      });
      const [, greeting, waited] = jsonl.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(greeting).toEqual({ type: 'exchange', ...body.messages[0], conversation: [stored[0]] });
      expect(waited).toEqual({ type: 'exchange', ...body.messages[1], conversation: stored.slice(1, 4) });
    });

    it('reads the newest 1,000 messages of a longer session, with the total as message_count', async () => {
      await gateway.stores.history.append(long.session_id, ...messages(long.session_id, 5, 1_000));
      const read = await get(`/api/sessions/${long.session_id}`, bearer(long.session_token));
      expect(read.statusCode).toBe(200);
      const body = read.json();
      expect(body.message_count).toBe(1_005);
      expect(body.messages).toEqual(messages(long.session_id, 1_000, 5));
      expect(body.conversation_history).toHaveLength(1_000);
    });

    it('exports an empty session, and refuses unknown ids and other sessions', async () => {
      const empty = await gateway.openSession(undefined, { assistant: 'general' });
      const exported = await gateway.inject({
        method: 'POST',
        url: `/api/sessions/${empty.session_id}/export`,
        headers: bearer(empty.session_token),
      });
      expect(JSON.parse(exported.body)).toMatchObject({ messages: [], conversation: [], message_count: 0 });
      expect((await get('/api/sessions/nope/export', admin)).statusCode).toBe(404);
      expect(
        (await get(`/api/sessions/${long.session_id}/export`, bearer(empty.session_token))).statusCode,
      ).toBe(403);
      expect((await get(`/api/sessions/${long.session_id}/export`)).statusCode).toBe(401);
    });
  });

  describe('body-less POSTs that still say Content-Type: application/json (fetch wrappers)', () => {
    const json = { 'content-type': 'application/json' };

    it('opens, starts and exports sessions with an empty or blank body', async () => {
      for (const payload of ['', ' \r\n\t']) {
        const created = await gateway.inject({
          method: 'POST',
          url: '/api/sessions',
          headers: json,
          payload,
        });
        expect(created.statusCode, created.body).toBe(201);
        const { session_id: id, session_token: token, assistant } = created.json();
        expect(assistant).toBe('lead');

        const started = await gateway.inject({
          method: 'POST',
          url: '/api/session/start',
          headers: json,
          payload,
        });
        expect(started.statusCode, started.body).toBe(200);
        expect(started.json().session_id).toMatch(/^session_/);

        for (const url of [`/api/sessions/${id}/export`, `/sessions/${id}/export`]) {
          const exported = await gateway.inject({
            method: 'POST',
            url,
            headers: { ...json, ...bearer(token) },
            payload,
          });
          expect(exported.statusCode, exported.body).toBe(200);
          expect(JSON.parse(exported.body).session_id).toBe(id);
        }
      }
    });

    it('still refuses an empty body where one is required, and malformed JSON', async () => {
      const register = await gateway.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: json,
        payload: '',
      });
      expect(register.statusCode).toBe(400);
      expect(register.json()).toMatchObject({ success: false, code: 'SB_VALIDATION' });
      const broken = await gateway.inject({
        method: 'POST',
        url: '/api/sessions',
        headers: json,
        payload: '{',
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.json()).toMatchObject({ success: false, code: 'SB_BAD_JSON' });
    });
  });
});
