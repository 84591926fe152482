import { randomBytes, randomUUID } from 'node:crypto';
import { queues } from '@switchboard/contracts/queues';
import { AnswerLinks } from '@switchboard/runtime/answer-links';
import { QueueProducer } from '@switchboard/runtime/queue-producer';
import { type RedisKeys, redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelPreferenceStore } from './channel-preferences.js';
import { DeliveryStore } from './deliveries.js';
import { FeedbackOpener } from './feedback-opening.js';
import { FeedbackRequestStore } from './feedback-requests.js';
import { SessionEventLog } from './session-events.js';
import { UserStore } from './users.js';

describe('FeedbackOpener', () => {
  const redisFixture = usePrivateRedis();
  const links = new AnswerLinks(randomBytes(32), 'https://switchboard.example');
  let keys: RedisKeys;
  let requests: FeedbackRequestStore;
  let deliveries: DeliveryStore;
  let preferences: ChannelPreferenceStore;
  let users: UserStore;
  let notifications: QueueProducer<typeof queues.notifications>;
  let opener: FeedbackOpener;

  beforeAll(() => {
    const client = redisFixture.client;
    keys = redisKeys(redisFixture.redis.prefix());
    requests = new FeedbackRequestStore(client, keys, new SessionEventLog(client, keys, 600));
    deliveries = new DeliveryStore(client, keys);
    preferences = new ChannelPreferenceStore(client, keys);
    users = new UserStore(client, keys);
    notifications = new QueueProducer(queues.notifications, {
      connection: client,
      openBlocking: () => redisFixture.redis.client(),
      queuePrefix: keys.queuePrefix,
      retry: { baseMs: 50, maxAttempts: 3 },
    });
    opener = new FeedbackOpener({
      requests,
      deliveries,
      preferences,
      users,
      links,
      notifications,
      defaultExpiryS: 3_600,
    });
  });
  afterAll(() => notifications.close());

  async function user(name: string): Promise<string> {
    const created = await users.register({ email: `${name}@example.com`, username: name, passwordHash: 'x' });
    if (!created.ok) throw new Error(`could not register ${name}`);
    return created.user.id;
  }

  const jobsNamed = async (name: string) =>
    (await notifications.queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter(
      (job) => job.name === name,
    );

  it('asks for approval by email to the account address, and queues its delivery and its expiry', async () => {
    const alice = await user('alice');
    const now = new Date();
    const record = await opener.open({ requesterId: alice, question: 'Ship it?', requestId: 'r-1' }, now);
    expect(record).toMatchObject({
      status: 'pending',
      options: ['approve', 'reject'],
      allow_free_text: false,
      channels: ['email'],
      strategy: 'broadcast',
      requester_id: alice,
      expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
    });
    expect(await requests.get(record.id)).toEqual(record);
    expect(await requests.recipients(record.id)).toEqual({ email: 'alice@example.com' });
    expect((await deliveries.timeline(record.id))?.map((event) => event.status)).toEqual(['queued']);

    const deliver = await notifications.queue.getJob(`deliver-${record.id}`);
    expect(deliver?.name).toBe('deliver');
    expect(deliver?.data).toMatchObject({
      meta: { requestId: 'r-1' },
      payload: {
        delivery_id: record.id,
        channels: ['email'],
        strategy: 'broadcast',
        to: { email: 'alice@example.com' },
        sender_user_id: alice,
      },
    });
    // The question carries a signed link that names this request.
    const url = deliver?.data.payload.message.feedback?.answer_url ?? '';
    expect(links.check(url.replace('https://switchboard.example/f/', ''), now)).toEqual({
      ok: true,
      requestId: record.id,
      expired: false,
    });
    const expire = await notifications.queue.getJob(`feedback-expire-${record.id}`);
    expect(expire?.name).toBe('feedback_expire');
    expect(await expire?.getState()).toBe('delayed');
    expect(expire?.opts.delay).toBe(3_600_000);
  });

  it("uses the requester's saved channels and addresses, and the caller's choices over them", async () => {
    const bob = await user('bob');
    await preferences.put(bob, {
      order: ['slack', 'email'],
      email: 'bob@work.example',
      slack_user_id: 'U0BOB',
    });
    const saved = await opener.open({
      requesterId: bob,
      question: 'Which region?',
      allowFreeText: true,
      requestId: 'r-2',
    });
    expect(saved).toMatchObject({ options: [], allow_free_text: true, channels: ['slack', 'email'] });
    expect(await requests.recipients(saved.id)).toEqual({ email: 'bob@work.example', slack: 'U0BOB' });

    const chosen = await opener.open({
      requesterId: bob,
      question: 'Which region?',
      options: ['eu', 'us'],
      channels: ['email'],
      strategy: 'fallback',
      expiresInS: 60,
      sessionId: 's-bob',
      requestId: 'r-3',
    });
    expect(chosen).toMatchObject({
      options: ['eu', 'us'],
      channels: ['email'],
      strategy: 'fallback',
      session_id: 's-bob',
    });
    expect((await notifications.queue.getJob(`feedback-expire-${chosen.id}`))?.opts.delay).toBe(60_000);
  });

  it('opens a request once for a caller that retries with the same id', async () => {
    const carol = await user('carol');
    const id = randomUUID();
    const first = await opener.open({ requesterId: carol, question: 'Deploy?', id, requestId: 'r-4' });
    const again = await opener.open({ requesterId: carol, question: 'Deploy?', id, requestId: 'r-4' });
    expect(first.id).toBe(id);
    expect(again).toEqual(first);
    expect((await jobsNamed('deliver')).filter((job) => job.data.payload.delivery_id === id)).toHaveLength(1);
    expect(
      (await jobsNamed('feedback_expire')).filter((job) => job.data.payload.request_id === id),
    ).toHaveLength(1);
    expect((await deliveries.timeline(id))?.map((event) => event.status)).toEqual(['queued']);
    expect((await requests.list(carol)).map((record) => record.id)).toEqual([id]);

    const dave = await user('dave');
    await expect(
      opener.open({ requesterId: dave, question: 'Mine?', id, requestId: 'r-5' }),
    ).rejects.toMatchObject({ code: 'SB_CONFLICT' });
    await expect(
      opener.open({ requesterId: carol, question: 'Bad id', id: 'not-a-uuid', requestId: 'r-6' }),
    ).rejects.toMatchObject({ code: 'SB_VALIDATION' });
  });

  it('finishes sending a request whose first open died before queueing it', async () => {
    const erin = await user('erin');
    const id = randomUUID();
    // What a crash right after storing the request leaves: the request, nothing queued, no timeline.
    const stored = await opener.open({ requesterId: erin, question: 'Restart?', id, requestId: 'r-7' });
    await notifications.queue.remove(`deliver-${id}`);
    await notifications.queue.remove(`feedback-expire-${id}`);
    await redisFixture.client.del(keys.key('delivery-events', id));

    expect(await opener.open({ requesterId: erin, question: 'Restart?', id, requestId: 'r-7' })).toEqual(
      stored,
    );
    expect((await notifications.queue.getJob(`deliver-${id}`))?.data.payload.delivery_id).toBe(id);
    expect(await (await notifications.queue.getJob(`feedback-expire-${id}`))?.getState()).toBe('delayed');
    expect((await deliveries.timeline(id))?.map((event) => event.status)).toEqual(['queued']);
  });

  it('refuses a requester who no longer exists', async () => {
    await expect(
      opener.open({ requesterId: randomUUID(), question: 'Anyone?', requestId: 'r-8' }),
    ).rejects.toMatchObject({ code: 'SB_UNAUTHENTICATED' });
  });
});
