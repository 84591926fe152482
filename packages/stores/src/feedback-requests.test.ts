import { randomUUID } from 'node:crypto';
import { topics } from '@switchboard/contracts/topics';
import { type RedisKeys, redisKeys } from '@switchboard/runtime/redis-keys';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptedAnswer,
  answeredBy,
  decisionFor,
  FeedbackRequestStore,
  type NewFeedbackRequest,
} from './feedback-requests.js';
import { SessionEventLog } from './session-events.js';

const approval = {
  question: 'Drop table orders_stg?',
  options: ['approve', 'reject'],
  allow_free_text: false,
  channels: ['email', 'slack'],
  strategy: 'broadcast',
  recipients: { email: 'alice@example.com', slack: 'U0ALICE' },
} satisfies Partial<NewFeedbackRequest>;

/** A request asked at `now`, expiring a minute later. */
function asked(
  overrides: Partial<NewFeedbackRequest> & { requester_id: string },
  now = new Date(),
): [NewFeedbackRequest, Date] {
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + 60_000);
  const message = { subject: 'Approval required', text: approval.question };
  return [{ ...approval, id, expires_at: expiresAt, message, ...overrides } as NewFeedbackRequest, now];
}

describe('FeedbackRequestStore', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let keys: RedisKeys;
  let store: FeedbackRequestStore;
  let events: SessionEventLog;
  const heard: { channel: string; event: { event: string; data: Record<string, unknown> } }[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
    keys = redisKeys(redis.prefix());
    events = new SessionEventLog(client, keys, 600);
    store = new FeedbackRequestStore(client, keys, events);
    const listener = redis.client();
    listener.on('pmessage', (_pattern, channel, message) =>
      heard.push({ channel, event: JSON.parse(message) }),
    );
    await listener.psubscribe(keys.channel(topics.user.channel('x')).replace(/x$/, '*'));
  });
  afterAll(() => redis.stop());

  const heardFor = (requestId: string, event: string) =>
    heard.filter((entry) => entry.event.event === event && entry.event.data.request_id === requestId);

  it('creates a pending request, announces it to the requester and its session, and lists it', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const record = await store.create(...asked({ requester_id: 'alice', session_id: 's-1' }, now));
    expect(record).toMatchObject({ status: 'pending', expires_at: '2030-01-01T00:01:00.000Z' });
    expect(await store.get(record.id, now)).toEqual(record);
    expect(await store.recipients(record.id)).toEqual(approval.recipients);
    expect(await store.message(record.id)).toEqual({ subject: 'Approval required', text: approval.question });
    await expect.poll(() => heardFor(record.id, 'feedback_request')).toHaveLength(1);
    expect(heardFor(record.id, 'feedback_request')[0]!.channel).toBe(keys.channel('user:alice'));
    expect(await events.after('s-1', '0-0')).toMatchObject([
      { event: 'feedback_requested', data: { request_id: record.id, question: approval.question } },
    ]);

    const later = await store.create(...asked({ requester_id: 'alice' }, new Date(now.getTime() + 1000)));
    await store.create(...asked({ requester_id: 'bob' }, now));
    expect((await store.list('alice', {}, now)).map((r) => r.id)).toEqual([later.id, record.id]);
    expect(await store.list('alice', { status: 'answered' }, now)).toEqual([]);
    expect(await store.get('not-an-id')).toBeNull();
    expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('lets exactly one of many concurrent answers win, logs them all and announces the win once', async () => {
    const record = await store.create(...asked({ requester_id: 'carol', session_id: 's-2' }));
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.answer(record.id, {
          answer: i % 2 === 0 ? ' APPROVE ' : 'reject',
          channel: (['web', 'slack', 'email'] as const)[i % 3]!,
          responder_id: `r${i}`,
        }),
      ),
    );
    const won = outcomes.filter((outcome) => outcome.kind === 'won');
    expect(won).toHaveLength(1);
    const winner = won[0]!.kind === 'won' ? won[0]!.record.winner! : undefined;
    for (const outcome of outcomes.filter((o) => o.kind !== 'won')) {
      expect(outcome).toEqual({ kind: 'lost', winner });
    }
    const stored = await store.get(record.id);
    expect(stored).toMatchObject({ status: 'answered', winner });
    expect(stored?.decision).toBe(winner?.answer === 'approve' ? 'approved' : 'rejected');
    expect(['approve', 'reject']).toContain(winner?.answer);

    const log = await store.responses(record.id);
    expect(log).toHaveLength(50);
    expect(log.filter((entry) => entry.accepted)).toHaveLength(1);
    expect(log.filter((entry) => entry.reason === 'already_answered')).toHaveLength(49);

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heardFor(record.id, 'feedback_resolved')).toHaveLength(1);
    expect(heardFor(record.id, 'feedback_resolved')[0]!.event.data).toMatchObject({
      status: 'answered',
      winner,
      decided_by: { channel: winner?.channel, responder: winner?.responder_id },
    });
    expect((await events.after('s-2', '0-0')).map((entry) => entry.event)).toEqual([
      'feedback_requested',
      'feedback_resolved',
    ]);
  });

  it('refuses an answer that is not an option (logged), and takes free text only where allowed', async () => {
    const strict = await store.create(...asked({ requester_id: 'dave' }));
    expect(await store.answer(strict.id, { answer: 'maybe', channel: 'web', responder_id: 'dave' })).toEqual({
      kind: 'invalid',
      reason: 'The answer must be one of: approve, reject.',
    });
    expect(await store.get(strict.id)).toMatchObject({ status: 'pending' });
    expect(await store.responses(strict.id)).toMatchObject([
      { answer: 'maybe', accepted: false, reason: 'invalid' },
    ]);

    const open = await store.create(
      ...asked({ options: ['staging', 'production'], allow_free_text: true, requester_id: 'dave' }),
    );
    const free = await store.answer(open.id, {
      answer: 'buy 10 shares \ud800',
      channel: 'slack',
      responder_id: 'U0DAVE',
      responder_name: 'dave',
    });
    expect(free).toMatchObject({ kind: 'won', record: { winner: { answer: 'buy 10 shares \ud800' } } });
    expect((await store.get(open.id))?.decision).toBeUndefined();
    const late = await store.answer(open.id, { answer: 'staging', channel: 'web', responder_id: 'x' });
    expect(late.kind === 'lost' && answeredBy(late.winner)).toBe('answered by dave via Slack');
  });

  it('expires a pending request once, announces it once, and refuses answers after the expiry', async () => {
    const now = new Date();
    const record = await store.create(...asked({ requester_id: 'erin', session_id: 's-3' }, now));
    const past = new Date(now.getTime() + 60_000);

    expect(await store.expire(record.id, new Date(now.getTime() + 59_000))).toMatchObject({
      kind: 'not_due',
    });
    expect((await store.get(record.id, past))?.status).toBe('expired');
    expect(
      await store.answer(record.id, { answer: 'approve', channel: 'web', responder_id: 'e' }, past),
    ).toEqual({ kind: 'expired' });
    const both = await Promise.all([store.expire(record.id, past), store.expire(record.id, past)]);
    expect(both.map((outcome) => outcome.kind)).toEqual(['expired', 'expired']);
    await expect.poll(() => heardFor(record.id, 'feedback_expired')).toHaveLength(1);
    expect((await events.after('s-3', '0-0')).map((entry) => entry.event)).toEqual([
      'feedback_requested',
      'feedback_expired',
    ]);
    expect(await store.answer(record.id, { answer: 'approve', channel: 'web', responder_id: 'e' })).toEqual({
      kind: 'expired',
    });
    const answered = await store.create(...asked({ requester_id: 'erin' }));
    await store.answer(answered.id, { answer: 'approve', channel: 'web', responder_id: 'e' });
    expect(await store.expire(answered.id, past)).toMatchObject({ kind: 'closed' });
  });

  it('keeps every key under the prefix with an expiry, and remembers synced copies', async () => {
    const record = await store.create(...asked({ requester_id: 'frank' }));
    await store.answer(record.id, { answer: 'reject', channel: 'email', responder_id: 'f@example.com' });
    expect(await store.isSynced(record.id, 'slack:C1:1.2')).toBe(false);
    await store.markSynced(record.id, 'slack:C1:1.2');
    expect(await store.isSynced(record.id, 'slack:C1:1.2')).toBe(true);
    for (const kind of ['feedback', 'feedback-responses', 'feedback-synced']) {
      expect(await client.pttl(keys.key(kind, record.id)), kind).toBeGreaterThan(60_000);
    }
    expect(await client.pttl(keys.key('feedback-by-requester', 'frank'))).toBeGreaterThan(0);
  });
});

describe('answers and decisions', () => {
  it('tells approve/reject questions apart from others', () => {
    expect(decisionFor(['Approve', 'Reject'], 'approve')).toBe('approved');
    expect(decisionFor(['yes', 'no'], 'No.')).toBe('rejected');
    expect(decisionFor(['staging', 'production'], 'yes')).toBeUndefined();
    expect(decisionFor(['approve', 'later'], 'approve')).toBeUndefined();
  });

  it('matches options without regard to case and refuses empty or over-long text', () => {
    const request = { options: ['Ship it'], allow_free_text: true };
    expect(acceptedAnswer(request, '  ship IT ')).toEqual({ ok: true, answer: 'Ship it' });
    expect(acceptedAnswer(request, '   ')).toMatchObject({ ok: false });
    expect(acceptedAnswer(request, 'x'.repeat(2_001))).toMatchObject({ ok: false });
  });
});
