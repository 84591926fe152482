import { createHash } from 'node:crypto';
import type { AssistantCard, ChatMessage, LlmInfo } from '@switchboard/contracts/chat';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { AssistantCatalogStore } from './assistant-catalog.js';
import { ChatHistoryStore, maxHistoryMessages } from './chat-history.js';
import { LeadSettingsStore } from './lead-settings.js';
import { type LeadIncome, LeadStore } from './leads.js';
import { SessionLogStore } from './session-log.js';
import { UsageStore } from './usage.js';

const redisFixture = usePrivateRedis();
const freshKeys = () => redisKeys(redisFixture.redis.prefix());

const message = (i: number, role: ChatMessage['role'] = i % 2 === 0 ? 'user' : 'assistant'): ChatMessage => ({
  id: `m${i}`,
  role,
  content: `message ${i}`,
  timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
  turn_id: `t${Math.floor(i / 2)}`,
});

describe('ChatHistoryStore', () => {
  it('keeps messages in order, reads the last ones and pages, and expires with the session', async () => {
    const keys = freshKeys();
    const history = new ChatHistoryStore(redisFixture.client, keys, 600);
    expect(await history.append('s1', message(0), message(1))).toBe(2);
    for (let i = 2; i < 25; i++) await history.append('s1', message(i));

    expect(await history.count('s1')).toBe(25);
    expect((await history.recent('s1', 3)).map((entry) => entry.id)).toEqual(['m22', 'm23', 'm24']);
    expect((await history.recent('s1', 100)).map((entry) => entry.id)[0]).toBe('m0');
    expect((await history.page('s1', 10, 5)).map((entry) => entry.id)).toEqual([
      'm10',
      'm11',
      'm12',
      'm13',
      'm14',
    ]);
    expect(await history.page('s1', 30, 5)).toEqual([]);
    expect(await history.last('s1')).toEqual(message(24));
    expect(await history.counts(['s1', 'empty'])).toEqual([25, 0]);

    const key = keys.key('chat-history', 's1');
    const ttl = await redisFixture.client.ttl(key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    await redisFixture.client.expire(key, 5);
    await history.touch('s1');
    expect(await redisFixture.client.ttl(key)).toBeGreaterThan(5);

    await history.delete('s1');
    expect(await history.count('s1')).toBe(0);
    expect(await history.last('s1')).toBeNull();
    expect(await history.recent('s1', 10)).toEqual([]);
  });

  it('skips corrupted entries and refuses messages that break the contract', async () => {
    const keys = freshKeys();
    const history = new ChatHistoryStore(redisFixture.client, keys, 600);
    await history.append('s2', message(0));
    await redisFixture.client.rpush(keys.key('chat-history', 's2'), 'not json', '{"id":"x"}');
    await history.append('s2', message(1));
    expect((await history.recent('s2', 10)).map((entry) => entry.id)).toEqual(['m0', 'm1']);
    const roleless = { id: 'm9', content: 'x', timestamp: message(0).timestamp } as unknown as ChatMessage;
    await expect(history.append('s2', roleless)).rejects.toThrow(TypeError);
    await expect(history.append('bad id', message(0))).rejects.toThrow(/session id/);
    expect(await history.count('s2')).toBe(4);
  });

  it('keeps only the newest 5,000 messages of a session, dropping the oldest as new ones come', async () => {
    const keys = freshKeys();
    const history = new ChatHistoryStore(redisFixture.client, keys, 600);
    const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => message(from + i));
    expect(await history.append('long', ...batch(0, 4_999))).toBe(4_999);
    expect(await history.append('long', ...batch(4_999, 3))).toBe(maxHistoryMessages);
    expect(await history.count('long')).toBe(5_000);
    expect((await history.page('long', 0, 2)).map((entry) => entry.id)).toEqual(['m2', 'm3']);
    expect((await history.last('long'))?.id).toBe('m5001');

    // One append larger than the cap keeps its own newest messages.
    expect(await history.append('burst', ...batch(0, 5_010))).toBe(5_000);
    expect((await history.page('burst', 0, 1))[0]?.id).toBe('m10');
    expect(await redisFixture.client.llen(keys.key('chat-history', 'burst'))).toBe(5_000);
  });

  it('starts a conversation with one greeting however many are offered at once', async () => {
    const history = new ChatHistoryStore(redisFixture.client, freshKeys(), 600);
    const greeting = (n: number) => ({
      id: `greeting-${n}`,
      role: 'assistant' as const,
      content: `Hello ${n}`,
      timestamp: new Date().toISOString(),
    });
    const firsts = await Promise.all(
      Array.from({ length: 10 }, (_, n) => history.startWith('s-greet', greeting(n))),
    );
    expect(await history.count('s-greet')).toBe(1);
    const [stored] = await history.recent('s-greet', 5);
    expect(firsts.every((first) => first.id === stored?.id)).toBe(true);
    // A conversation under way is left as it is.
    await history.append('s-greet', { ...greeting(99), role: 'user', content: 'Hi' });
    expect((await history.startWith('s-greet', greeting(100))).id).toBe(stored?.id);
    expect(await history.count('s-greet')).toBe(2);
  });
});

const income: LeadIncome = {
  raw: 'about 120k a year',
  annual_usd_min: 120_000,
  annual_usd_max: 120_000,
  bucket: '100k-200k',
};

describe('LeadStore', () => {
  it('collects fields, takes corrections, and keeps an active lead only as long as its session', async () => {
    const keys = freshKeys();
    const leads = new LeadStore(redisFixture.client, keys, 600);
    const t0 = new Date('2025-03-01T10:00:00Z');
    expect(await leads.get('s1')).toBeNull();

    const first = await leads.update('s1', { name: 'Ada' }, t0);
    expect(first).toEqual({
      session_id: 's1',
      name: 'Ada',
      status: 'active',
      created_at: t0.toISOString(),
      updated_at: t0.toISOString(),
    });
    const t1 = new Date('2025-03-01T10:05:00Z');
    await leads.update('s1', { email: 'ada@example.com' }, t1);
    const corrected = await leads.update('s1', { email: 'ada@example.org', income }, t1);
    expect(corrected).toMatchObject({
      name: 'Ada',
      email: 'ada@example.org',
      income,
      created_at: t0.toISOString(),
    });
    expect(await leads.get('s1')).toEqual(corrected);

    const ttl = await redisFixture.client.ttl(keys.key('lead', 's1'));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);

    await expect(leads.update('s1', { name: '  ' })).rejects.toThrow(TypeError);
    // @ts-expect-error: income needs its bucket
    await expect(leads.update('s1', { income: { raw: '5k' } })).rejects.toThrow(/income/);
  });

  it('completes a lead exactly once under 20 concurrent calls, and again for the completing turn only', async () => {
    const keys = freshKeys();
    const leads = new LeadStore(redisFixture.client, keys, 600);
    await leads.update('s2', { name: 'Grace', email: 'grace@example.com' });
    expect(await leads.complete('s2', 'turn-0')).toMatchObject({
      completedNow: false,
      state: { status: 'active' },
    });
    await leads.update('s2', { income });

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => leads.complete('s2', `turn-${i + 1}`)),
    );
    const winners = outcomes.filter((outcome) => outcome.completedNow);
    expect(winners).toHaveLength(1);
    const winningTurn = winners[0]!.state.completed_by_turn!;
    expect(winningTurn).toMatch(/^turn-\d+$/);
    for (const outcome of outcomes) expect(outcome.state.status).toBe('complete');

    // A retried completing turn hears "completed now" again; any other turn does not.
    expect((await leads.complete('s2', winningTurn)).completedNow).toBe(true);
    expect((await leads.complete('s2', 'turn-99')).completedNow).toBe(false);
    expect(await leads.countCompleted()).toBe(1);
    expect((await leads.stats()).completed).toBe(1);
  });

  it('keeps a completed lead past its session: no expiry, not removed with the session', async () => {
    const keys = freshKeys();
    const leads = new LeadStore(redisFixture.client, keys, 600);
    const key = keys.key('lead', 's3');
    await leads.update('s3', { name: 'Linus', email: 'linus@example.com', income });
    expect(await redisFixture.client.ttl(key)).toBeGreaterThan(0);
    await leads.complete('s3', 'turn-1');
    expect(await redisFixture.client.ttl(key)).toBe(-1);

    // Neither a correction nor the session's touch or delete gives it an expiry or removes it.
    await leads.update('s3', { email: 'linus@example.org' });
    await leads.touch('s3');
    expect(await redisFixture.client.ttl(key)).toBe(-1);
    expect(await leads.delete('s3')).toBe(false);
    expect((await leads.get('s3'))?.email).toBe('linus@example.org');
    expect(await leads.countCompleted()).toBe(1);
  });

  it('deletes an active lead with its session; a session without one reads as an empty active lead', async () => {
    const leads = new LeadStore(redisFixture.client, freshKeys(), 600);
    await leads.update('s4', { name: 'Ken' });
    expect(await leads.delete('s4')).toBe(true);
    expect(await leads.get('s4')).toBeNull();
    const outcome = await leads.complete('s4', 'turn-1');
    expect(outcome).toMatchObject({ completedNow: false, state: { session_id: 's4', status: 'active' } });
    expect(await leads.get('s4')).toBeNull();
  });

  it('lists completed leads newest first and counts what was collected', async () => {
    const leads = new LeadStore(redisFixture.client, freshKeys(), 600);
    for (let i = 0; i < 4; i++) {
      await leads.update(`l${i}`, { name: `Person ${i}`, email: `p${i}@example.com`, income });
      await leads.complete(`l${i}`, `turn-${i}`, new Date(Date.UTC(2025, 0, 1 + i)));
    }
    await leads.update('l-open', { name: 'Open' });
    await leads.update('l-open', { name: 'Corrected' });

    expect((await leads.list({ offset: 0, limit: 2 })).map((lead) => lead.session_id)).toEqual(['l3', 'l2']);
    expect((await leads.list({ offset: 2, limit: 10 })).map((lead) => lead.session_id)).toEqual(['l1', 'l0']);
    expect(await leads.countCompleted()).toBe(4);
    expect(await leads.stats()).toEqual({
      started: 5,
      name_collected: 5,
      email_collected: 4,
      income_collected: 4,
      completed: 4,
    });
  });
});

describe('LeadSettingsStore', () => {
  it('defaults to no recipient with notifications and auto-send on, and stores changes', async () => {
    const settings = new LeadSettingsStore(redisFixture.client, freshKeys());
    const defaults = {
      recipient_email: null,
      email_notifications_enabled: true,
      auto_send_on_complete: true,
    };
    expect(await settings.get()).toEqual(defaults);
    expect(
      await settings.update({ recipient_email: 'ops@example.com', auto_send_on_complete: false }),
    ).toEqual({
      recipient_email: 'ops@example.com',
      email_notifications_enabled: true,
      auto_send_on_complete: false,
    });
    await settings.update({ email_notifications_enabled: false });
    expect(await settings.get()).toEqual({
      recipient_email: 'ops@example.com',
      email_notifications_enabled: false,
      auto_send_on_complete: false,
    });
    expect((await settings.update({ recipient_email: null })).recipient_email).toBeNull();
    await expect(settings.update({ recipient_email: 'not an address' })).rejects.toThrow(TypeError);
  });
});

describe('UsageStore', () => {
  const usage = (prompt: number, completion: number) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  });
  // Recent days: older ones are past the retention of the daily counters.
  const day2 = new Date(`${new Date().toISOString().slice(0, 10)}T08:00:00Z`);
  const day1 = new Date(day2.getTime() - 20 * 3_600_000);
  const [date1, date2] = [day1, day2].map((day) => day.toISOString().slice(0, 10)) as [string, string];

  it('counts a turn once however often it is recorded', async () => {
    const store = new UsageStore(redisFixture.client, freshKeys());
    const entry = { model: 'gpt-4o-mini', usage: usage(100, 50), cost_usd: 0.000045, at: day1 };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.record('turn-1', entry)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await store.record('turn-1', entry)).toBe(false);
    const report = await store.report();
    expect(report).toMatchObject({
      requests: 1,
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
    });
    expect(report.cost_usd).toBe(0.000045);
  });

  it('sums per model and per day, and gives an unpriced model no cost', async () => {
    const store = new UsageStore(redisFixture.client, freshKeys());
    await store.record('t1', { model: 'gpt-4o', usage: usage(1000, 500), cost_usd: 0.0075, at: day1 });
    await store.record('t2', { model: 'gpt-4o', usage: usage(2000, 100), cost_usd: 0.006, at: day2 });
    await store.record('t3', { model: 'gpt-4o-mini', usage: usage(10, 10), cost_usd: 0.0001, at: day2 });
    await store.record('t4', { model: 'ft:custom:model', usage: usage(5, 5), cost_usd: null, at: day2 });

    const report = await store.report();
    expect(report).toMatchObject({
      requests: 4,
      prompt_tokens: 3015,
      completion_tokens: 615,
      total_tokens: 3630,
      cost_usd: null,
      unpriced_requests: 1,
    });
    expect(report.by_model['gpt-4o']).toEqual({
      requests: 2,
      prompt_tokens: 3000,
      completion_tokens: 600,
      total_tokens: 3600,
      cost_usd: 0.0135,
      // Recorded without the prompt/completion split: that part stays unknown.
      prompt_cost_usd: null,
      completion_cost_usd: null,
      unpriced_requests: 0,
    });
    expect(report.by_model['gpt-4o-mini']?.cost_usd).toBe(0.0001);
    expect(report.by_model['ft:custom:model']).toMatchObject({
      requests: 1,
      cost_usd: null,
      unpriced_requests: 1,
    });

    expect(Object.keys(report.by_day)).toEqual([date1, date2]);
    expect(report.by_day[date1]).toMatchObject({ requests: 1, cost_usd: 0.0075 });
    expect(report.by_day[date1]?.by_model).toEqual({
      'gpt-4o': report.by_day[date1]?.by_model['gpt-4o'],
    });
    expect(report.by_day[date2]).toMatchObject({ requests: 3, prompt_tokens: 2015, cost_usd: null });
    expect(report.by_day[date2]?.by_model['gpt-4o']).toMatchObject({ requests: 1, cost_usd: 0.006 });

    // The last day only: totals over that window.
    const lastDay = await store.report({ days: 1, now: day2 });
    expect(Object.keys(lastDay.by_day)).toEqual([date2]);
    expect(lastDay).toMatchObject({ requests: 3, prompt_tokens: 2015, cost_usd: null });
    expect(Object.keys(lastDay.by_model).sort()).toEqual(['ft:custom:model', 'gpt-4o', 'gpt-4o-mini']);
    const both = await store.report({ days: 2, now: day2 });
    expect(both.by_day).toEqual(report.by_day);
    expect(both.by_model).toEqual(report.by_model);
  });

  it('keeps no counters per caller: a caller named in the entry adds no key', async () => {
    const keys = freshKeys();
    const store = new UsageStore(redisFixture.client, keys);
    // As a turn of a logged-in user hands it over: an extra field the store does not count by.
    const entry = { model: 'gpt-4o', usage: usage(1, 1), cost_usd: 0.01, at: day2, user_id: 'u1' };
    expect(await store.record('t1', entry)).toBe(true);
    // A fresh prefix: every key under it is this store's.
    const stored = await redisFixture.client.keys(`{${keys.prefix}}:*`);
    expect(stored.sort()).toEqual(
      [
        keys.key('usage'),
        keys.key('usage-day', date2),
        keys.key('usage-days'),
        keys.key('usage-turn', createHash('sha256').update('t1').digest('hex')),
      ].sort(),
    );
  });

  it('refuses impossible entries', async () => {
    const store = new UsageStore(redisFixture.client, freshKeys());
    await expect(
      store.record('t', { model: 'm', usage: usage(-1, 0), cost_usd: 0, at: day1 }),
    ).rejects.toThrow(TypeError);
    await expect(
      store.record('t', { model: 'm', usage: usage(1, 1), cost_usd: Number.NaN, at: day1 }),
    ).rejects.toThrow(TypeError);
    const priced = { model: 'm', usage: usage(1, 1), cost_usd: 0.5, at: day1 };
    for (const split of [
      { prompt_cost_usd: 0.25 },
      { prompt_cost_usd: 0.25, completion_cost_usd: null },
      { prompt_cost_usd: -0.25, completion_cost_usd: 0.75 },
      { prompt_cost_usd: 0.25, completion_cost_usd: Number.POSITIVE_INFINITY },
    ]) {
      await expect(store.record('t', { ...priced, ...split }), JSON.stringify(split)).rejects.toThrow(
        TypeError,
      );
    }
    await expect(
      store.record('t', { ...priced, cost_usd: null, prompt_cost_usd: 0, completion_cost_usd: 0 }),
    ).rejects.toThrow(/unpriced/);
    expect(await store.record('t', { model: 'm', usage: usage(1, 1), cost_usd: 0, at: day1 })).toBe(true);
  });
});

describe('UsageStore: prompt and completion costs', () => {
  const usage = (prompt: number, completion: number) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  });
  const at = new Date();
  const date = at.toISOString().slice(0, 10);
  const split = (prompt: number, completion: number) => ({
    cost_usd: prompt + completion,
    prompt_cost_usd: prompt,
    completion_cost_usd: completion,
  });

  it('sums the split per model, per day and overall', async () => {
    const store = new UsageStore(redisFixture.client, freshKeys());
    await store.record('a', { model: 'gpt-4', usage: usage(1000, 1000), ...split(0.03, 0.06), at });
    await store.record('b', { model: 'gpt-4', usage: usage(500, 0), ...split(0.015, 0), at });
    await store.record('c', {
      model: 'gpt-4o-mini',
      usage: usage(1234, 567),
      ...split(0.000185, 0.00034),
      at,
    });

    const report = await store.report();
    expect(report).toMatchObject({
      cost_usd: 0.105525,
      prompt_cost_usd: 0.045185,
      completion_cost_usd: 0.06034,
    });
    expect(report.by_model['gpt-4']).toEqual({
      requests: 2,
      prompt_tokens: 1500,
      completion_tokens: 1000,
      total_tokens: 2500,
      cost_usd: 0.105,
      prompt_cost_usd: 0.045,
      completion_cost_usd: 0.06,
      unpriced_requests: 0,
    });
    expect(report.by_day[date]).toMatchObject({ prompt_cost_usd: 0.045185, completion_cost_usd: 0.06034 });
    expect(report.by_day[date]?.by_model['gpt-4o-mini']).toMatchObject({
      prompt_cost_usd: 0.000185,
      completion_cost_usd: 0.00034,
    });
    expect(await store.report({ days: 1, now: at })).toMatchObject({
      prompt_cost_usd: 0.045185,
      completion_cost_usd: 0.06034,
    });
  });

  it('has no split where any request was unpriced or recorded with its total only', async () => {
    const store = new UsageStore(redisFixture.client, freshKeys());
    await store.record('a', { model: 'gpt-4', usage: usage(1000, 1000), ...split(0.03, 0.06), at });
    await store.record('b', { model: 'gpt-4', usage: usage(10, 10), cost_usd: 0.0009, at });
    await store.record('c', {
      model: 'mystery',
      usage: usage(5, 5),
      cost_usd: null,
      prompt_cost_usd: null,
      completion_cost_usd: null,
      at,
    });
    const report = await store.report();
    expect(report).toMatchObject({ cost_usd: null, prompt_cost_usd: null, completion_cost_usd: null });
    expect(report.by_model['gpt-4']).toMatchObject({
      cost_usd: 0.0909,
      prompt_cost_usd: null,
      completion_cost_usd: null,
    });
    expect(report.by_model.mystery).toMatchObject({
      cost_usd: null,
      prompt_cost_usd: null,
      unpriced_requests: 1,
    });
    expect(report.by_day[date]).toMatchObject({ prompt_cost_usd: null, completion_cost_usd: null });
  });
});

describe('SessionLogStore', () => {
  /** Every line of the day, read page by page. */
  const readAll = async (log: SessionLogStore, date: string) => {
    const lines: string[] = [];
    for await (const page of log.pages(date)) lines.push(...page);
    return lines;
  };

  it('keeps each day’s lines in append order until the retention runs out', async () => {
    const keys = freshKeys();
    const log = new SessionLogStore(redisFixture.client, keys, 90);
    // Recent days: a day past the retention is already gone.
    const dayMs = 86_400_000;
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const [yesterday, date, tomorrow] = [today - dayMs, today, today + dayMs].map((ms) =>
      new Date(ms).toISOString().slice(0, 10),
    ) as [string, string, string];
    const stamp = (event: 'session_start' | 'session_stop' | 'metric', i: number) => ({
      event,
      session_id: 'session_20250501_120000_ab12',
      timestamp: `${date}T12:00:0${i}.000Z`,
      date,
    });
    const lines: string[] = [];
    lines.push(await log.append(stamp('session_start', 0)));
    lines.push(await log.append({ ...stamp('metric', 1), metric_name: 'latency_ms', metric_value: 120 }));
    lines.push(
      await log.append({ ...stamp('session_stop', 2), duration_seconds: 2, metrics: { messages_sent: 1 } }),
    );
    await log.append({
      event: 'project_init',
      session_id: null,
      timestamp: `${yesterday}T23:59:59.000Z`,
      date: yesterday,
    });

    expect(await readAll(log, date)).toEqual(lines);
    expect(JSON.parse(lines[2]!)).toMatchObject({ event: 'session_stop', duration_seconds: 2 });
    expect(await readAll(log, yesterday)).toHaveLength(1);
    expect(await readAll(log, tomorrow)).toEqual([]);

    const expiresAtS = (today + 91 * dayMs) / 1000;
    expect(await redisFixture.client.expiretime(keys.key('session-log', date))).toBe(expiresAtS);
    await expect(readAll(log, '2025-02-30')).rejects.toThrow(/log date/);
    await expect(readAll(log, '../x')).rejects.toThrow(/log date/);
    await expect(log.append({ ...stamp('metric', 3), date: 'today' })).rejects.toThrow(/log date/);
  });

  it('reads a day page by page, each page one range, up to the lines the day had when reading began', async () => {
    const keys = freshKeys();
    const log = new SessionLogStore(redisFixture.client, keys, 90);
    const date = new Date().toISOString().slice(0, 10);
    const entry = (i: number) => ({
      event: 'metric' as const,
      session_id: `s${i}`,
      timestamp: `${date}T00:00:00.000Z`,
      date,
      metric_value: i,
    });
    const lines: string[] = [];
    for (let i = 0; i < 7; i++) lines.push(await log.append(entry(i)));

    const pages: string[][] = [];
    for await (const page of log.pages(date, 3)) {
      pages.push(page);
      // Written while the day is read: left for the next read.
      if (pages.length === 1) await log.append(entry(99));
    }
    expect(pages).toEqual([lines.slice(0, 3), lines.slice(3, 6), lines.slice(6)]);
    expect((await readAll(log, date)).slice(0, 7)).toEqual(lines);
    expect(await readAll(log, date)).toHaveLength(8);

    for (const size of [0, -1, 1.5]) await expect(log.pages(date, size).next()).rejects.toThrow(/page size/);
  });
});

describe('AssistantCatalogStore', () => {
  it('publishes the cards and the LLM info, replacing the previous catalog', async () => {
    const catalog = new AssistantCatalogStore(redisFixture.client, freshKeys());
    expect(await catalog.cards()).toEqual([]);
    expect(await catalog.llmInfo()).toBeNull();
    const lead: AssistantCard = {
      name: 'lead',
      title: 'Hedge fund guy',
      description: 'Market talk',
      greetings: ['Talk to me.'],
      privacy_notice: 'We keep your name, email and income bracket.',
      slots: ['name', 'email', 'income'],
    };
    const general: AssistantCard = {
      name: 'general',
      title: 'Chat',
      description: 'Plain chat',
      greetings: ['Hi'],
      slots: [],
    };
    const llm: LlmInfo = {
      provider: 'offline',
      model: 'offline',
      base_url_host: null,
      configured: false,
      credential_source: 'none',
      offline: true,
    };
    await catalog.publish([lead, general], llm);
    expect(await catalog.cards()).toEqual([lead, general]);
    expect(await catalog.card('general')).toEqual(general);
    expect(await catalog.card('agent')).toBeNull();
    expect(await catalog.llmInfo()).toEqual(llm);

    await catalog.publish([general], { ...llm, provider: 'openai', model: 'gpt-4o-mini', offline: false });
    expect(await catalog.cards()).toEqual([general]);
    expect((await catalog.llmInfo())?.model).toBe('gpt-4o-mini');
    // @ts-expect-error: a card needs a greeting
    await expect(catalog.publish([{ ...general, greetings: undefined }], llm)).rejects.toThrow(TypeError);
  });
});
