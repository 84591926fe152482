import { errorBodyValidator } from '@switchboard/contracts/errors';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { loadConfig } from './config.js';
import { ServiceBase } from './service-base.js';

describe('service HTTP base', () => {
  let redis: PrivateRedis;
  let service: ServiceBase;

  beforeAll(async () => {
    redis = await startRedis();
    service = await ServiceBase.create({
      name: 'notifications',
      version: '9.9.9',
      config: loadConfig(testEnv(redis)),
      heartbeat: () => ({ beat: async () => {}, clear: async () => {} }),
    });
    const app = service.http;
    app.post(
      '/echo',
      {
        schema: { body: Type.Object({ message: Type.String({ minLength: 1, maxLength: 10 }) }) },
        config: { policy: 'open' },
      },
      async (request) => ({ got: request.body.message }),
    );
    app.get('/conflict', { config: { policy: 'open' } }, async () => {
      throw new AppError('SB_SESSION_LIMIT', 'You already have 3 active sessions.', undefined, {
        headers: { 'x-why': 'limit' },
      });
    });
    app.get('/bug', { config: { policy: 'open' } }, async () => {
      throw new Error('database password is hunter2');
    });
  });
  afterAll(async () => {
    await service.stop('test over');
    await redis.stop();
  });

  function expectErrorBody(body: unknown, code: string) {
    expect(errorBodyValidator.Check(body), JSON.stringify(body)).toBe(true);
    expect(body).toMatchObject({ success: false, code });
  }

  it('serves /health with the service identity', async () => {
    const response = await service.http.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', service: 'notifications', version: '9.9.9' });
  });

  it('serves /ready from Redis and the registered checks', async () => {
    service.readinessChecks.set('thing', () => ({ ok: false, detail: 'thing is off' }));
    const notReady = await service.http.inject({ method: 'GET', url: '/ready' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({
      status: 'not_ready',
      checks: { redis: { ok: true }, thing: { ok: false } },
    });
    service.readinessChecks.delete('thing');
    expect((await service.http.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });

  it('answers 503 on /ready while Redis does not answer', async () => {
    redis.pause();
    try {
      const response = await service.http.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json().checks.redis.ok).toBe(false);
    } finally {
      redis.resume();
    }
  });

  it('exposes Prometheus metrics including HTTP counts', async () => {
    await service.http.inject({ method: 'GET', url: '/health' });
    const response = await service.http.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain(
      'sb_http_requests_total{method="GET",route="/health",status="200",service="notifications"}',
    );
    expect(response.body).toContain('sb_process_cpu_seconds_total');
  });

  it('gives every error the standard body with the request id', async () => {
    const response = await service.http.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expectErrorBody(response.json(), 'SB_NOT_FOUND');
    expect(response.json().requestId).toBe(response.headers['x-request-id']);
    expect(response.json().error).toBe('No route GET /nowhere.');
  });

  it('maps schema failures to 400 SB_VALIDATION with the failing field', async () => {
    const response = await service.http.inject({ method: 'POST', url: '/echo', payload: { message: '' } });
    expect(response.statusCode).toBe(400);
    expectErrorBody(response.json(), 'SB_VALIDATION');
    expect(response.json().error).toContain('message');
    const tooLong = await service.http.inject({
      method: 'POST',
      url: '/echo',
      payload: { message: 'x'.repeat(11) },
    });
    expect(tooLong.statusCode).toBe(400);
  });

  it('maps malformed JSON to 400, a wrong content type to 415 and a huge body to 413', async () => {
    const broken = await service.http.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"message": ',
    });
    expect(broken.statusCode).toBe(400);
    expectErrorBody(broken.json(), 'SB_BAD_JSON');

    const wrongType = await service.http.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<message>hi</message>',
    });
    expect(wrongType.statusCode).toBe(415);
    expectErrorBody(wrongType.json(), 'SB_UNSUPPORTED_MEDIA_TYPE');

    const huge = await service.http.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expectErrorBody(huge.json(), 'SB_PAYLOAD_TOO_LARGE');
  });

  it('maps AppError codes to their status and headers', async () => {
    const response = await service.http.inject({ method: 'GET', url: '/conflict' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['x-why']).toBe('limit');
    expectErrorBody(response.json(), 'SB_SESSION_LIMIT');
  });

  it('hides the internals of unexpected errors', async () => {
    const response = await service.http.inject({ method: 'GET', url: '/bug' });
    expect(response.statusCode).toBe(500);
    expectErrorBody(response.json(), 'SB_INTERNAL');
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('at ');
  });

  it('keeps a harmless caller request id and replaces a hostile one', async () => {
    const kept = await service.http.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'trace-abc.1' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-abc.1');
    const replaced = await service.http.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'evil\nFAKE LOG LINE' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
