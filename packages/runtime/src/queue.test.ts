import { defineJob, defineQueue } from '@switchboard/contracts/queues';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { Queue, type Worker } from 'bullmq';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { QueueProducer } from './queue-producer.js';
import { createQueueWorker, type JobHandlers } from './queue-worker.js';
import { RedisConnections } from './redis-connections.js';
import { redisKeys } from './redis-keys.js';

const testQueue = defineQueue('echo', {
  echo: defineJob(
    Type.Object({ text: Type.String({ minLength: 1 }) }),
    Type.Object({ echoed: Type.String() }),
  ),
});

describe('typed queues', () => {
  let redis: PrivateRedis;
  let connections: RedisConnections;
  let producer: QueueProducer<typeof testQueue>;
  let raw: Queue;
  const workers: Worker[] = [];
  const logger = createLogger({ service: 'chat', level: 'silent' });
  const metrics = createMetrics('chat');
  let keys: ReturnType<typeof redisKeys>;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  beforeAll(() => {
    keys = redisKeys(redis.prefix());
    connections = new RedisConnections(redis.url, 'chat', logger);
    producer = new QueueProducer(testQueue, {
      connection: connections.create('commands'),
      openBlocking: () => connections.create('worker'),
      queuePrefix: keys.queuePrefix,
      retry: { baseMs: 20, maxAttempts: 3 },
    });
    raw = new Queue('echo', { connection: connections.create('commands'), prefix: keys.queuePrefix });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    await raw.obliterate({ force: true });
  });
  afterAll(async () => {
    await producer.close();
    await raw.close();
    await connections.closeAll();
  });

  function work(handlers: JobHandlers<typeof testQueue>): Worker {
    const worker = createQueueWorker(testQueue, handlers, {
      connection: connections.create('worker'),
      queuePrefix: keys.queuePrefix,
      logger,
      metrics,
    });
    workers.push(worker);
    return worker;
  }

  it('carries the payload and request id to the handler and the result back', async () => {
    const seen: string[] = [];
    work({
      echo: async (payload, context) => {
        seen.push(context.meta.requestId);
        return { echoed: payload.text.toUpperCase() };
      },
    });
    const job = await producer.add('echo', { text: 'hi' }, { requestId: 'req-42' });
    expect(await producer.waitFor(job, 5_000)).toEqual({ echoed: 'HI' });
    expect(seen).toEqual(['req-42']);
  });

  it('refuses an invalid payload at enqueue, before anything reaches Redis', async () => {
    const attempt = producer.add('echo', { text: '' }, { requestId: 'r' });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(producer.add('echo', { text: 7 } as never, { requestId: 'r' })).rejects.toMatchObject({
      code: 'SB_VALIDATION',
      message: expect.stringContaining('/text'),
    });
    expect(await producer.depth()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('fails an invalid payload at the worker as unrecoverable, with the reason, without retrying', async () => {
    let calls = 0;
    work({
      echo: async (payload) => {
        calls++;
        return { echoed: payload.text };
      },
    });
    // Written by something that skipped the producer: an old deploy, a hand-made job.
    const job = await raw.add(
      'echo',
      { meta: { requestId: 'r1', enqueuedAt: new Date().toISOString() }, payload: { text: 42 } },
      { attempts: 3 },
    );
    await expect(producer.waitFor(job as never, 5_000)).rejects.toThrow(/invalid echo.echo payload: \/text/);
    const failed = await raw.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/must be string/);
    expect(calls).toBe(0);
  });

  it('fails a job without the meta envelope, or of an unknown name, as unrecoverable', async () => {
    work({ echo: async (payload) => ({ echoed: payload.text }) });
    const bare = await raw.add('echo', { text: 'no envelope' }, { attempts: 3 });
    await expect(producer.waitFor(bare as never, 5_000)).rejects.toThrow(/malformed job envelope/);
    const unknown = await raw.add(
      'shout',
      { meta: { requestId: 'r', enqueuedAt: new Date().toISOString() }, payload: {} },
      { attempts: 3 },
    );
    await expect(producer.waitFor(unknown as never, 5_000)).rejects.toThrow(/unknown job echo.shout/);
    expect((await raw.getJob(unknown.id!))?.attemptsMade).toBe(1);
  });

  it('fails a handler result that breaks the contract', async () => {
    work({ echo: async () => ({ echoed: 5 }) as never });
    const job = await producer.add('echo', { text: 'x' }, { requestId: 'r' });
    await expect(producer.waitFor(job, 5_000)).rejects.toThrow(/invalid echo.echo result: \/echoed/);
  });

  it('retries a transient failure with backoff', async () => {
    let calls = 0;
    work({
      echo: async (payload) => {
        calls++;
        if (calls === 1) throw new Error('upstream hiccup');
        return { echoed: payload.text };
      },
    });
    const job = await producer.add('echo', { text: 'again' }, { requestId: 'r' });
    expect(await producer.waitFor(job, 5_000)).toEqual({ echoed: 'again' });
    expect(calls).toBe(2);
  });

  it('treats a repeated job id as the same job', async () => {
    const first = await producer.add('echo', { text: 'once' }, { requestId: 'r', jobId: 'order-1' });
    const second = await producer.add('echo', { text: 'once' }, { requestId: 'r', jobId: 'order-1' });
    expect(second.id).toBe(first.id);
    expect((await producer.depth()).waiting).toBe(1);
  });

  it('answers SB_TIMEOUT when no worker finishes in time', async () => {
    const job = await producer.add('echo', { text: 'nobody home' }, { requestId: 'r' });
    await expect(producer.waitFor(job, 300)).rejects.toMatchObject({ code: 'SB_TIMEOUT' });
  });
});
