import { queues } from '@switchboard/contracts/queues';
import { loadConfig } from '@switchboard/runtime/config';
import { QueueProducer } from '@switchboard/runtime/queue-producer';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../app.js';

/*
 * A worker that dies in the middle of a send must not cost the message, nor send it twice: the
 * job goes back to the queue once its lock runs out, the next worker waits out the dead one's
 * claim and sends again under the same idempotency key, which the receiver recognises.
 */

// Short job locks, so another worker takes a dead one's job within a second, and a handle on
// each worker, so the test can kill one the way a crash would (no lock released, no job finished).
const started = vi.hoisted(() => ({ workers: [] as Worker[] }));
vi.mock('@switchboard/runtime/service-queue', async (importOriginal) => {
  const original = await importOriginal<typeof import('@switchboard/runtime/service-queue')>();
  return {
    ...original,
    consumeQueue: ((service, contract, handlers, options) => {
      const worker = original.consumeQueue(service, contract, handlers, {
        ...options,
        lockDurationMs: 800,
        stalledIntervalMs: 300,
      });
      started.workers.push(worker);
      return worker;
    }) satisfies typeof original.consumeQueue,
  };
});

describe('a notifications worker killed while sending', () => {
  let redis: PrivateRedis;
  let sink: SmtpSink;
  const services: ServiceBase[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    for (const service of services) await service.stop('test over');
    await sink.close();
    await redis.stop();
  });

  it('is delivered exactly once by the worker that takes over', { timeout: 20_000 }, async () => {
    const config = loadConfig(
      testEnv(redis, {
        SMTP_HOST: sink.host,
        SMTP_PORT: String(sink.port),
        // Claims last 3 × this: the dead worker's claim runs out 3 s after it started sending.
        HTTP_TIMEOUT_MS: '1000',
        RETRY_BASE_MS: '300',
        RETRY_MAX_ATTEMPTS: '6',
      }),
    );
    const keys = redisKeys(config.redis.prefix);
    const deliveries = new DeliveryStore(redis.client(), keys);
    const producer = new QueueProducer(queues.notifications, {
      connection: redis.client(),
      openBlocking: () => new Redis(redis.url, { maxRetriesPerRequest: null }),
      queuePrefix: keys.queuePrefix,
      retry: config.retry,
    });

    const doomed = await buildApp(config);
    services.push(doomed);
    // The server takes its time answering: the send is in flight when the worker dies.
    sink.stall(600);
    const { deliveryId } = await deliveries.accept();
    const job = await producer.add(
      'deliver',
      {
        delivery_id: deliveryId,
        message: { subject: 'Crash test', text: 'Exactly once, please.' },
        channels: ['email'],
        strategy: 'fallback',
        to: { email: 'ops@example.com' },
      },
      { requestId: 'r-crash', jobId: `deliver-${deliveryId}` },
    );
    await expect
      .poll(async () => (await deliveries.timeline(deliveryId))?.map((event) => event.status), {
        timeout: 5_000,
      })
      .toContain('sending');

    // The crash: the worker goes without releasing its job, and its connections with it.
    await started.workers[0]!.close(true);
    await doomed.connections.closeAll();

    services.push(await buildApp(config));
    expect(await producer.waitFor(job, 15_000)).toEqual({ delivered: ['email'], failed: [] });

    const copies = sink.messages.filter((mail) => mail.subject === 'Crash test');
    // The dead worker's send still reached the server, and the new one repeated it under the same Message-ID.
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((mail) => mail.messageId)).size).toBe(1);
    const timeline = (await deliveries.timeline(deliveryId))!;
    expect(timeline.filter((event) => event.status === 'sent')).toHaveLength(1);
    expect(timeline.filter((event) => event.status === 'sending').length).toBeGreaterThanOrEqual(2);
    await producer.close();
  });
});
