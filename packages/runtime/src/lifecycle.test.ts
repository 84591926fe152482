import { defineJob, defineQueue } from '@switchboard/contracts/queues';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import { Queue, type Worker } from 'bullmq';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createQueueWorker } from './queue-worker.js';
import { RedisConnections } from './redis-connections.js';
import { redisKeys } from './redis-keys.js';
import { type HeartbeatFactory, ServiceBase } from './service-base.js';
import { consumeQueue } from './service-queue.js';

const slowQueue = defineQueue('slow', {
  nap: defineJob(
    Type.Object({ ms: Type.Integer() }),
    Type.Object({ slept: Type.Integer(), by: Type.String() }),
  ),
});

const nap = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts of the libuv resources that keep a process alive. */
function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await nap(20);
  }
}

describe('service lifecycle', () => {
  const redisFixture = usePrivateRedis();

  it('finishes the job in flight at SIGTERM, closes in order and leaves no handle open', async () => {
    const baseline = handleCounts();
    const beats: string[] = [];
    const heartbeat: HeartbeatFactory = () => ({
      beat: async () => {
        beats.push('beat');
      },
      clear: async () => {
        beats.push('clear');
      },
    });
    const config = loadConfig(testEnv(redisFixture.redis));
    const service = await ServiceBase.create({ name: 'chat', version: '1.2.3', config, heartbeat });
    let finished = false;
    consumeQueue(service, slowQueue, {
      nap: async ({ ms }) => {
        await nap(ms);
        finished = true;
        return { slept: ms, by: service.identity.instance };
      },
    });
    const address = await service.start(0);
    expect((await fetch(`${address}/health`)).status).toBe(200);
    expect(beats).toEqual(['beat']);

    const producer = service.producer(slowQueue);
    const job = await producer.add('nap', { ms: 600 }, { requestId: 'r-sigterm' });
    await waitUntil(async () => (await job.getState()) === 'active');

    await service.stop('SIGTERM');
    expect(finished).toBe(true);
    expect(beats.at(-1)).toBe('clear');

    const check = new Queue('slow', {
      connection: { host: '127.0.0.1', port: redisFixture.redis.port },
      prefix: service.keys.queuePrefix,
    });
    expect(await check.getJobState(job.id!)).toBe('completed');
    await check.close();

    await nap(50);
    const after = handleCounts();
    for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) {
      expect(after.get(kind) ?? 0, kind).toBeLessThanOrEqual(baseline.get(kind) ?? 0);
    }
  });

  it('stops once however often it is asked, and refuses readiness while stopping', async () => {
    const config = loadConfig(testEnv(redisFixture.redis));
    const service = await ServiceBase.create({
      name: 'integration',
      version: '1.0.0',
      config,
      heartbeat: () => ({ beat: async () => {}, clear: async () => {} }),
    });
    await service.start(0);
    const first = service.stop('SIGTERM');
    const second = service.stop('SIGINT');
    expect(second).toBe(first);
    const ready = await service.http.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    await first;
  });

  it('returns a job whose worker died mid-way to the queue, and another worker finishes it', async () => {
    const logger = createLogger({ service: 'chat', level: 'silent' });
    const metrics = createMetrics('chat');
    const keys = redisKeys(redisFixture.redis.prefix());
    const connections = new RedisConnections(redisFixture.redis.url, 'chat', logger);
    const options = {
      queuePrefix: keys.queuePrefix,
      logger,
      metrics,
      lockDurationMs: 800,
      stalledIntervalMs: 300,
    };
    const runs: string[] = [];

    const doomedConnection = connections.create('worker');
    const doomed: Worker = createQueueWorker(
      slowQueue,
      {
        nap: async () => {
          runs.push('doomed');
          await nap(60_000);
          return { slept: 0, by: 'doomed' };
        },
      },
      { ...options, connection: doomedConnection },
    );
    const producer = new (await import('./queue-producer.js')).QueueProducer(slowQueue, {
      connection: connections.create('commands'),
      openBlocking: () => connections.create('worker'),
      queuePrefix: keys.queuePrefix,
      retry: { baseMs: 20, maxAttempts: 3 },
    });
    const job = await producer.add('nap', { ms: 1 }, { requestId: 'r-crash' });
    await waitUntil(async () => runs.length === 1);

    // A crash: the process vanishes without releasing the job's lock.
    await doomed.close(true);
    doomedConnection.disconnect();

    const survivor = createQueueWorker(
      slowQueue,
      {
        nap: async ({ ms }) => {
          runs.push('survivor');
          return { slept: ms, by: 'survivor' };
        },
      },
      { ...options, connection: connections.create('worker') },
    );
    expect(await producer.waitFor(job, 10_000)).toEqual({ slept: 1, by: 'survivor' });
    expect(runs).toEqual(['doomed', 'survivor']);
    await survivor.close();
    await producer.close();
    await connections.closeAll();
  });
});
