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

const income = (raw: string, bucket: string) => ({ raw, annual_usd_min: 1, annual_usd_max: 2, bucket });

describe('greeting, LLM info, usage and the lead bot admin routes', () => {
  const fixture = usePrivateRedis();
  let gateway: ChatDataGateway;
  let user: string;

  beforeAll(async () => {
    gateway = await startChatDataGateway(fixture.redis, { RECIPIENT_EMAIL: 'ops@example.com' });
    await gateway.register('root');
    user = await gateway.register('ursula');
  });
  afterAll(() => gateway?.stop());

  const get = (url: string, headers: Record<string, string> = {}) =>
    gateway.inject({ method: 'GET', url, headers });

  it('refuses every admin route to nobody (401) and to a plain user (403)', async () => {
    const routes = [
      '/api/openai/info',
      '/api/openai/usage',
      '/api/admin/leads',
      '/api/admin/dashboard',
      '/api/admin/settings',
    ];
    for (const url of routes) {
      expect((await get(url)).statusCode, url).toBe(401);
      expect((await get(url, bearer(user))).statusCode, url).toBe(403);
    }
    const posted = await gateway.inject({
      method: 'POST',
      url: '/api/admin/settings',
      headers: bearer(user),
      payload: { recipient_email: 'thief@example.com' },
    });
    expect(posted.statusCode).toBe(403);
  });

  describe('before the chat service has started', () => {
    it('has no greeting and no LLM info yet (503)', async () => {
      for (const [url, headers] of [
        ['/api/greeting', {}],
        ['/api/openai/info', admin],
      ] as const) {
        const answer = await get(url, headers);
        expect(answer.statusCode, url).toBe(503);
        expect(answer.json()).toMatchObject({
          success: false,
          code: 'SB_UNAVAILABLE',
          error: 'The chat service has not started yet.',
        });
      }
    });
  });

  describe('once the chat service has published its catalog', () => {
    beforeAll(() => gateway.stores.catalog.publish([leadCard, generalCard], offlineLlm));

    it('gives anyone a greeting of the asked assistant, with its privacy notice', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const answer = await get('/api/greeting');
        expect(answer.statusCode).toBe(200);
        const body = answer.json();
        expect(body).toEqual({
          greeting: expect.any(String),
          assistant: 'lead',
          privacy_notice: leadCard.privacy_notice,
        });
        seen.add(body.greeting);
      }
      expect([...seen].every((greeting) => leadCard.greetings.includes(greeting))).toBe(true);
      expect((await get('/api/greeting?assistant=general')).json()).toEqual({
        greeting: generalCard.greetings[0],
        assistant: 'general',
        privacy_notice: null,
      });
      expect((await get('/api/greeting?assistant=dispatch')).statusCode).toBe(503);
      expect((await get('/api/greeting?assistant=nobody')).statusCode).toBe(400);
    });

    it("describes the LLM with 002's fields and never a key's prefix, length or a file path", async () => {
      const offline = (await get('/api/openai/info', admin)).json();
      expect(offline).toEqual({
        ...offlineLlm,
        credentials_valid: false,
        credentials_info: {
          openai_model: 'offline-bm25',
          credential_source: 'none',
          openai_api_key_set: false,
        },
      });

      await gateway.stores.catalog.publish([leadCard], {
        provider: 'openai',
        model: 'gpt-4o-mini',
        base_url_host: 'api.openai.com',
        configured: true,
        credential_source: 'papita_api',
        offline: false,
      });
      const answer = await get('/api/openai/info', admin);
      const online = answer.json();
      expect(online).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini',
        base_url_host: 'api.openai.com',
        credentials_valid: true,
        credentials_info: {
          openai_model: 'gpt-4o-mini',
          credential_source: 'papita_api',
          openai_api_key_set: true,
        },
      });
      expect(answer.body).not.toMatch(/prefix|length|path|sk-/i);
      await gateway.stores.catalog.publish([leadCard, generalCard], offlineLlm);
    });
  });

  it("reports usage with 002's keys, per model and per day; an unpriced model makes the cost null", async () => {
    const empty = (await get('/api/openai/usage', admin)).json();
    expect(empty).toMatchObject({ request_count: 0, total_tokens: 0, model: null, days: 30, by_model: {} });
    // Offline: no key, no OpenAI dashboards.
    expect(empty).toMatchObject({
      estimated_cost_usd: 0,
      prompt_cost_usd: 0,
      completion_cost_usd: 0,
      account_info: {},
      billing_credit_balance: null,
      usage_dashboard_url: null,
      billing_dashboard_url: null,
      note: expect.stringMatching(/last 30 UTC day\(s\).*price table/),
    });

    const at = new Date();
    const usage = (prompt: number, completion: number) => ({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    });
    await gateway.stores.usage.record('t1', {
      model: 'gpt-4o-mini',
      usage: usage(100, 20),
      cost_usd: 0.0123,
      prompt_cost_usd: 0.00456,
      completion_cost_usd: 0.00774,
      at,
    });
    await gateway.stores.usage.record('t2', {
      model: 'gpt-4o-mini',
      usage: usage(50, 10),
      cost_usd: 0.005,
      prompt_cost_usd: 0.00123,
      completion_cost_usd: 0.00377,
      at,
    });
    let report = (await get('/api/openai/usage?days=7', admin)).json();
    expect(report).toMatchObject({
      total_prompt_tokens: 150,
      total_completion_tokens: 30,
      total_tokens: 180,
      request_count: 2,
      model: 'gpt-4o-mini',
      days: 7,
    });
    expect(report.estimated_cost_usd).toBeCloseTo(0.0173, 8);
    // 002's split, 4 decimals: 0.00579 and 0.01151.
    expect(report).toMatchObject({ prompt_cost_usd: 0.0058, completion_cost_usd: 0.0115 });
    expect(report.by_model['gpt-4o-mini']).toMatchObject({
      prompt_cost_usd: 0.00579,
      completion_cost_usd: 0.01151,
    });

    await gateway.stores.catalog.publish([leadCard], {
      provider: 'openai',
      model: 'gpt-4o-mini',
      base_url_host: 'api.openai.com',
      configured: true,
      credential_source: 'local_env',
      offline: false,
    });
    const online = await get('/api/openai/usage?days=7', admin);
    expect(online.json()).toMatchObject({
      account_info: { model: 'gpt-4o-mini', status: 'active' },
      billing_credit_balance: null,
      usage_dashboard_url: expect.stringMatching(/^https:\/\/platform\.openai\.com\//),
      billing_dashboard_url: expect.stringMatching(/^https:\/\/platform\.openai\.com\/.*billing/),
      note: expect.stringMatching(/last 7 UTC day\(s\)/),
    });
    expect(Object.keys(online.json().account_info).sort()).toEqual(['model', 'status']);
    expect(online.body).not.toMatch(/prefix|sk-/i);
    await gateway.stores.catalog.publish([leadCard], {
      provider: 'openai',
      model: 'llama3',
      base_url_host: 'localhost',
      configured: false,
      credential_source: 'none',
      offline: false,
    });
    expect((await get('/api/openai/usage', admin)).json().account_info).toEqual({});
    await gateway.stores.catalog.publish([leadCard, generalCard], offlineLlm);

    await gateway.stores.usage.record('t3', {
      model: 'mystery-model',
      usage: usage(5, 5),
      cost_usd: null,
      at,
    });
    report = (await get('/api/openai/usage', admin)).json();
    expect(report).toMatchObject({
      request_count: 3,
      model: 'gpt-4o-mini',
      estimated_cost_usd: null,
      prompt_cost_usd: null,
      completion_cost_usd: null,
    });
    expect(report.by_model['mystery-model']).toEqual({
      requests: 1,
      prompt_tokens: 5,
      completion_tokens: 5,
      total_tokens: 10,
      cost_usd: null,
      prompt_cost_usd: null,
      completion_cost_usd: null,
      unpriced_requests: 1,
    });
    expect(report.by_model['gpt-4o-mini'].requests).toBe(2);
    const day = report.by_day[at.toISOString().slice(0, 10)];
    expect(day).toMatchObject({ requests: 3, cost_usd: null });
    expect(Object.keys(day.by_model).sort()).toEqual(['gpt-4o-mini', 'mystery-model']);

    for (const days of ['0', '367', 'x']) {
      expect((await get(`/api/openai/usage?days=${days}`, admin)).statusCode, days).toBe(400);
    }
  });

  describe('leads and the dashboard', () => {
    const completed: string[] = [];

    beforeAll(async () => {
      const leads: [string, string, string][] = [
        ['Ada Lovelace', 'ada@example.com', '100k'],
        ['=HYPERLINK("http://evil.example","click")', 'eve@example.com', '-50k to 60k'],
        ['Smith, "Jo"', 'jo@example.com', '@home\tincome'],
      ];
      for (const [name, email, raw] of leads) {
        const session = await gateway.openSession();
        await gateway.stores.leads.update(session.session_id, {
          name,
          email,
          income: income(raw, '50k-100k'),
        });
        await gateway.stores.leads.complete(session.session_id, 'turn-9');
        completed.push(session.session_id);
      }
      // An incomplete one is no lead yet.
      const partial = await gateway.openSession();
      await gateway.stores.leads.update(partial.session_id, { name: 'Pat', email: 'pat@example.com' });
    });

    it('lists completed leads newest first, with the operator-facing values', async () => {
      const listed = await get('/api/admin/leads', admin);
      expect(listed.statusCode).toBe(200);
      const body = listed.json();
      expect(body).toMatchObject({ total: 3, limit: 50, skip: 0 });
      expect(body.leads.map((lead: { session_id: string }) => lead.session_id)).toEqual(
        [...completed].reverse(),
      );
      expect(body.leads[2]).toEqual({
        session_id: completed[0],
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        income: '100k',
        income_bucket: '50k-100k',
        completed_at: expect.any(String),
        created_at: expect.any(String),
      });
      const page = (await get('/api/admin/leads?limit=1&skip=1', admin)).json();
      expect(page.leads.map((lead: { session_id: string }) => lead.session_id)).toEqual([completed[1]]);
    });

    it('downloads them as CSV, quoted, with formulas defused', async () => {
      const csv = await get('/api/admin/leads?format=csv', admin);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toMatch(
        /^attachment; filename="leads_\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const lines = csv.body.split('\r\n');
      expect(lines[0]).toBe('session_id,name,email,income,income_bucket,completed_at,created_at');
      expect(lines).toHaveLength(5); // header, three leads, and the empty string after the last CRLF
      expect(lines[4]).toBe('');
      const row = (id: string) => lines.find((line) => line.startsWith(`${id},`))!;
      expect(row(completed[0]!)).toMatch(/^[^,]+,Ada Lovelace,ada@example\.com,100k,50k-100k,[^,]+,[^,]+$/);
      expect(row(completed[1]!)).toContain(
        `,"'=HYPERLINK(""http://evil.example"",""click"")",eve@example.com,'-50k to 60k,`,
      );
      expect(row(completed[2]!)).toContain(`,"Smith, ""Jo""",jo@example.com,'@home\tincome,`);
    });

    it("shows 001's dashboard: counts, health and recent sessions with masked emails", async () => {
      // A live session of another assistant: no lead.
      expect((await gateway.inject({ method: 'POST', url: '/api/session/start' })).statusCode).toBe(200);
      const answer = await get('/api/admin/dashboard?limit=20', admin);
      expect(answer.statusCode, answer.body).toBe(200);
      const { statistics, system_health: health, recent_sessions: recent, recent_total } = answer.json();
      const live = await gateway.stores.sessions.countActive();
      // The lead figures count the four lead sessions once each, whatever else is live: the three
      // completed ones are live too, and the general session is no lead.
      expect(live).toBe(5);
      expect(statistics).toMatchObject({
        total_sessions: 4,
        completed_sessions: 3,
        active_sessions: live,
        data_collection: {
          names_collected: 4,
          emails_collected: 4,
          incomes_collected: 3,
          completion_rate: 75,
        },
        sampled_sessions: live,
      });
      // No chat or notifications service runs here; Redis does. The published cards carry no index size.
      expect(health).toEqual({
        rag_ready: false,
        storage_ready: true,
        email_ready: false,
        rag_vectors: null,
      });
      expect(recent_total).toBe(live);
      expect(recent.length).toBe(Math.min(live, 20));
      const pat = recent.find((session: { data: { name: string | null } }) => session.data.name === 'Pat');
      expect(pat).toMatchObject({
        status: 'active',
        data: { name: 'Pat', email: 'p***@example.com', income: null },
        data_collected: { name: true, email: true, income: false },
        completed_at: null,
      });
      const ada = recent.find((session: { session_id: string }) => session.session_id === completed[0]);
      expect(ada).toMatchObject({ status: 'complete', data: { email: 'a***@example.com' } });
      expect(answer.body).not.toContain('ada@example.com');
      expect((await get('/api/admin/dashboard?limit=21', admin)).statusCode).toBe(400);
    });

    it("gives the lead assistant's indexed passages as `rag_vectors`, not the other assistants'", async () => {
      await gateway.stores.catalog.publish(
        [
          { ...leadCard, knowledge_chunks: 42 },
          { ...generalCard, knowledge_chunks: 7 },
        ],
        offlineLlm,
      );
      try {
        const answer = await get('/api/admin/dashboard', admin);
        expect(answer.statusCode, answer.body).toBe(200);
        expect(answer.json().system_health.rag_vectors).toBe(42);
        await gateway.stores.catalog.publish([{ ...generalCard, knowledge_chunks: 7 }], offlineLlm);
        expect((await get('/api/admin/dashboard', admin)).json().system_health.rag_vectors).toBeNull();
      } finally {
        await gateway.stores.catalog.publish([leadCard, generalCard], offlineLlm);
      }
    });

    it('counts a lead once when its session goes, and never above 100 %', async () => {
      const before = (await get('/api/admin/dashboard', admin)).json().statistics;
      const session = await gateway.openSession();
      await gateway.stores.leads.update(session.session_id, {
        name: 'Lin',
        email: 'lin@example.com',
        income: income('90k', '50k-100k'),
      });
      await gateway.stores.leads.complete(session.session_id, 'turn-1');
      const deleted = await gateway.inject({
        method: 'DELETE',
        url: `/api/sessions/${session.session_id}`,
        headers: admin,
      });
      expect(deleted.statusCode, deleted.body).toBeLessThan(300);
      const after = (await get('/api/admin/dashboard', admin)).json().statistics;
      expect(after).toMatchObject({
        total_sessions: before.total_sessions + 1,
        completed_sessions: before.completed_sessions + 1,
        data_collection: { completion_rate: 80 },
      });
    });
  });

  describe('settings', () => {
    const post = (payload: unknown) =>
      gateway.inject({
        method: 'POST',
        url: '/api/admin/settings',
        headers: admin,
        payload: payload as object,
      });

    it('falls back to RECIPIENT_EMAIL, takes any subset, and clears the override with null', async () => {
      expect((await get('/api/admin/settings', admin)).json()).toEqual({
        recipient_email: 'ops@example.com',
        email_notifications_enabled: true,
        auto_send_on_complete: true,
        is_configured: true,
      });
      expect((await post({ recipient_email: 'leads@example.com' })).json()).toEqual({
        recipient_email: 'leads@example.com',
        email_notifications_enabled: true,
        auto_send_on_complete: true,
        is_configured: true,
      });
      expect((await post({ auto_send_on_complete: false })).json()).toMatchObject({
        recipient_email: 'leads@example.com',
        auto_send_on_complete: false,
        email_notifications_enabled: true,
      });
      expect((await get('/api/admin/settings', admin)).json()).toMatchObject({
        auto_send_on_complete: false,
      });
      expect((await post({ recipient_email: null, email_notifications_enabled: false })).json()).toEqual({
        recipient_email: 'ops@example.com',
        email_notifications_enabled: false,
        auto_send_on_complete: false,
        is_configured: true,
      });
    });

    it('refuses an invalid email or flag with 400 and changes nothing', async () => {
      const before = (await get('/api/admin/settings', admin)).json();
      for (const payload of [
        { recipient_email: 'not-an-email' },
        { recipient_email: 'a@b' },
        { recipient_email: 'a b@example.com' },
        { auto_send_on_complete: 'sometimes' },
      ]) {
        const refused = await post(payload);
        expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
        expect(refused.json().code).toBe('SB_VALIDATION');
      }
      expect((await get('/api/admin/settings', admin)).json()).toEqual(before);
    });
  });
});
