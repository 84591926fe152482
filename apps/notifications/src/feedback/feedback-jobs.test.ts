import { randomUUID } from 'node:crypto';
import { queues } from '@switchboard/contracts/queues';
import { loadConfig } from '@switchboard/runtime/config';
import { QueueProducer } from '@switchboard/runtime/queue-producer';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import { SessionEventLog } from '@switchboard/stores/session-events';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';

describe('feedback jobs wake the agent of the session that asked', () => {
  const redisFixture = usePrivateRedis();
  let service: ServiceBase;
  let requests: FeedbackRequestStore;
  let notifications: QueueProducer<typeof queues.notifications>;
  let chat: QueueProducer<typeof queues.chat>;
  const blocking: Redis[] = [];

  beforeAll(async () => {
    const config = loadConfig(testEnv(redisFixture.redis));
    const keys = redisKeys(config.redis.prefix);
    const client = redisFixture.client;
    requests = new FeedbackRequestStore(client, keys, new SessionEventLog(client, keys, 600));
    const producer = <Q extends typeof queues.chat | typeof queues.notifications>(contract: Q) =>
      new QueueProducer(contract, {
        connection: client,
        openBlocking: () => {
          const connection = new Redis(redisFixture.redis.url, { maxRetriesPerRequest: null });
          blocking.push(connection);
          return connection;
        },
        queuePrefix: keys.queuePrefix,
        retry: config.retry,
      });
    notifications = producer(queues.notifications);
    chat = producer(queues.chat);
    service = await buildApp(config);
  });
  afterAll(async () => {
    await service.stop('test over');
    await notifications.close();
    await chat.close();
    for (const connection of blocking) connection.disconnect();
  });

  /** A pending request (nothing sent for it), asked from `sessionId` when given. */
  async function asked(sessionId: string | undefined, expiresInMs = 60_000) {
    return requests.create({
      id: randomUUID(),
      question: 'Drop table orders_stg?',
      options: ['approve', 'reject'],
      allow_free_text: false,
      requester_id: 'alice',
      ...(sessionId === undefined ? {} : { session_id: sessionId }),
      channels: ['email'],
      strategy: 'broadcast',
      expires_at: new Date(Date.now() + expiresInMs),
      recipients: { email: 'alice@example.com' },
      message: { subject: 'Approval required', text: 'Drop table orders_stg?' },
    });
  }

  const resumes = async () =>
    (await chat.queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter(
      (job) => job.name === 'agent_resume',
    );

  async function sync(requestId: string, jobId: string) {
    const job = await notifications.add(
      'feedback_sync',
      { request_id: requestId },
      { requestId: 'r-sync', jobId },
    );
    return notifications.waitFor(job, 10_000);
  }

  it('queues one agent_resume once a session request is answered, however often the sync runs', async () => {
    const withSession = await asked('s-agent');
    const alone = await asked(undefined);
    for (const record of [withSession, alone]) {
      const outcome = await requests.answer(record.id, {
        answer: 'approve',
        channel: 'web',
        responder_id: 'alice',
      });
      expect(outcome.kind).toBe('won');
    }

    // A second run of the sync (a retry, or a duplicate) changes nothing.
    expect(await sync(withSession.id, `feedback-sync-${withSession.id}`)).toEqual({ updated: [] });
    expect(await sync(withSession.id, `feedback-sync-again-${withSession.id}`)).toEqual({ updated: [] });
    expect(await sync(alone.id, `feedback-sync-${alone.id}`)).toEqual({ updated: [] });

    const queued = await resumes();
    expect(queued.map((job) => [job.id, job.data.payload])).toEqual([
      [`agent-resume-${withSession.id}`, { session_id: 's-agent', request_id: withSession.id }],
    ]);
    expect(queued[0]!.data.meta.requestId).toBe('r-sync');
  });

  it('queues an agent_resume when a session request expires unanswered', async () => {
    const expiring = await asked('s-waiting', 0);
    const job = await notifications.add(
      'feedback_expire',
      { request_id: expiring.id },
      { requestId: 'r-expire', jobId: `feedback-expire-${expiring.id}` },
    );
    expect(await notifications.waitFor(job, 10_000)).toEqual({ expired: true });
    expect((await resumes()).filter((resume) => resume.id === `agent-resume-${expiring.id}`)).toMatchObject([
      { data: { payload: { session_id: 's-waiting', request_id: expiring.id } } },
    ]);
  });
});
