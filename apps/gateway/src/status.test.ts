import { statusBodyValidator } from '@switchboard/contracts/health';
import { queues } from '@switchboard/contracts/queues';
import { loadConfig } from '@switchboard/runtime/config';
import { ServiceBase } from '@switchboard/runtime/service-base';
import { answerPing, consumeQueue } from '@switchboard/runtime/service-queue';
import { registryHeartbeat } from '@switchboard/stores/service-registry';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

const adminKey = 'status-test-admin-key-0000000000';

describe('gateway /status and /ready', () => {
  let redis: PrivateRedis;
  let env: Record<string, string>;
  let gateway: ServiceBase;
  const workers: ServiceBase[] = [];

  /** A worker service made of the same runtime parts the real ones use. */
  async function startWorker(name: 'chat' | 'notifications' | 'integration'): Promise<ServiceBase> {
    const service = await ServiceBase.create({
      name,
      version: '2.0.0',
      config: loadConfig(env),
      heartbeat: registryHeartbeat,
    });
    consumeQueue(service, queues[name], { ping: answerPing(service) });
    await service.start(0);
    workers.push(service);
    return service;
  }

  async function status() {
    // Each snapshot is cached for a second; wait it out so every call is fresh.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    const response = await gateway.http.inject({ method: 'GET', url: '/status' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(statusBodyValidator.Check(body), JSON.stringify(body)).toBe(true);
    return body;
  }

  beforeAll(async () => {
    redis = await startRedis();
    env = testEnv(redis, {
      SMTP_HOST: 'smtp.example.com',
      SMTP_PASSWORD: 'never-shown',
      SMTP_USER: 'u',
      ADMIN_API_KEY: adminKey,
    });
    gateway = await buildApp(loadConfig(env));
    await gateway.start(0);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('test over')));
    await gateway.stop('test over');
    await redis.stop();
  });

  it('reports services without a heartbeat as down, and /ready as 503', async () => {
    const body = await status();
    expect(body.status).toBe('degraded');
    expect(body.services.gateway).toMatchObject({ state: 'healthy', queue: null });
    expect(body.services.chat).toMatchObject({ state: 'down', reason: 'no heartbeat', instances: 0 });
    const ready = await gateway.http.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.chat).toEqual({ ok: false, detail: 'no heartbeat' });
  });

  it('reports every service healthy once each answers its ping, with version, uptime and queue depth', async () => {
    await Promise.all([startWorker('chat'), startWorker('notifications'), startWorker('integration')]);
    const body = await status();
    expect(body.status).toBe('ok');
    for (const name of ['chat', 'notifications', 'integration']) {
      expect(body.services[name]).toMatchObject({
        state: 'healthy',
        version: '2.0.0',
        instances: 1,
        queue: { waiting: 0, active: 0, delayed: 0, failed: 0 },
      });
      expect(body.services[name].ping_ms).toBeGreaterThanOrEqual(0);
      expect(body.services[name].uptime_s).toBeGreaterThanOrEqual(0);
    }
    expect(body.config.smtp).toBe(true);
    expect(JSON.stringify(body)).not.toContain('never-shown');
    expect((await gateway.http.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await gateway.http.inject({ method: 'GET', url: '/api/status' })).json().status).toBe('ok');
  });

  it('reports a service that stopped as down at once', async () => {
    const chat = workers.find((worker) => worker.identity.name === 'chat')!;
    await chat.stop('SIGTERM');
    const body = await status();
    expect(body.services.chat).toMatchObject({ state: 'down', reason: 'no heartbeat' });
    expect(body.services.notifications.state).toBe('healthy');
    expect(body.status).toBe('degraded');
  });

  it('reports a service that is alive but not consuming as degraded, leaving no ping behind', async () => {
    const integration = workers.find((worker) => worker.identity.name === 'integration')!;
    // A paused queue: the process beats on but takes no work, as a wedged consumer would.
    const queue = integration.producer(queues.integration).queue;
    await queue.pause();
    try {
      const body = await status();
      expect(body.services.integration).toMatchObject({
        state: 'degraded',
        reason: 'ping not answered within 2000 ms',
      });
    } finally {
      await queue.resume();
    }
    expect((await integration.producer(queues.integration).depth()).waiting).toBe(0);
  });

  it('answers with status down, not an error, while Redis is unreachable', async () => {
    redis.pause();
    try {
      const body = await status();
      expect(body.status).toBe('down');
      expect(body.redis.ok).toBe(false);
      expect(body.services.chat).toMatchObject({ state: 'down', reason: 'redis unavailable' });
    } finally {
      redis.resume();
    }
  });

  it('adds the detail for administrators only, and keeps /metrics for them too', async () => {
    await gateway.http.inject({ method: 'POST', url: '/api/sessions', payload: { assistant: 'general' } });
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    const anonymous = await gateway.http.inject({ method: 'GET', url: '/status' });
    expect(anonymous.json().detail).toBeUndefined();
    const admin = await gateway.http.inject({
      method: 'GET',
      url: '/status',
      headers: { 'x-api-key': adminKey },
    });
    const body = admin.json();
    expect(statusBodyValidator.Check(body), JSON.stringify(body)).toBe(true);
    expect(body.detail.requests.total).toBeGreaterThan(0);
    expect(body.detail.requests.failed).toBeGreaterThanOrEqual(0);
    expect(body.detail.active_sessions).toBeGreaterThanOrEqual(1);
    expect(body.detail.active_sockets).toBe(0);
    expect(body.detail.instances.map((instance: { service: string }) => instance.service)).toContain(
      'gateway',
    );
    expect((await gateway.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const metrics = await gateway.http.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'x-api-key': adminKey },
    });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('sb_http_requests_total');
  });

  it('answers /api/health like /health, with 002’s timestamp and openai_configured', async () => {
    const response = await gateway.http.inject({ method: 'GET', url: '/api/health' });
    expect(response.json()).toMatchObject({
      status: 'ok',
      service: 'gateway',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      // No key is set in the tests: the offline model answers.
      openai_configured: false,
    });
  });
});
