import { errorBodyValidator } from '@switchboard/contracts/errors';
import { loadConfig } from '@switchboard/runtime/config';
import { ServiceBase, withTimeout } from '@switchboard/runtime/service-base';
import { registryHeartbeat } from '@switchboard/stores/service-registry';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import type { Principal } from '../auth/principal.js';
import { rateLimitPlugin } from './rate-limit-plugin.js';

describe('gateway rate limits', () => {
  let redis: PrivateRedis;
  const gateways: ServiceBase[] = [];
  let handled = 0;

  /**
   * The plugin alone, behind a stand-in for the auth hook (principal from a
   * test header), with one plain and one channel route: callers of every kind
   * without going through login. Gateways built from one env share budgets.
   */
  async function gateway(env: Record<string, string>): Promise<ServiceBase> {
    const service = await ServiceBase.create({
      name: 'gateway',
      version: '0.0.0-test',
      config: loadConfig(env),
      heartbeat: registryHeartbeat,
      httpSetup: async (app, service) => {
        app.addHook('onRequest', async (request) => {
          const given = request.headers['x-test-principal'];
          if (typeof given === 'string') request.principal = JSON.parse(given) as Principal;
        });
        await app.register(rateLimitPlugin, { service });
      },
    });
    service.http.get('/limited', async () => {
      handled++;
      return { ok: true };
    });
    service.http.get('/channels/:channel/ping', { config: { rateLimit: 'channel' } }, async () => ({
      ok: true,
    }));
    gateways.push(service);
    return service;
  }

  function get(service: ServiceBase, url: string, options: { ip?: string; principal?: Principal } = {}) {
    return service.http.inject({
      method: 'GET',
      url,
      remoteAddress: options.ip ?? '127.0.0.1',
      headers: options.principal ? { 'x-test-principal': JSON.stringify(options.principal) } : {},
    });
  }

  function expectError(response: LightMyRequestResponse, status: number, code: string) {
    expect(response.statusCode, response.body).toBe(status);
    const body = response.json();
    expect(errorBodyValidator.Check(body), response.body).toBe(true);
    expect(body).toMatchObject({ success: false, code, requestId: response.headers['x-request-id'] });
    return body as { error: string };
  }

  const user = (userId: string): Principal => ({
    kind: 'user',
    userId,
    role: 'user',
    username: userId,
    family: `f-${userId}`,
  });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((service) => service.stop('test over')));
  });
  afterAll(() => redis.stop());

  /** The real gateway (auth, hygiene, policies and all), plus one open route that only answers. */
  async function builtGateway(env: Record<string, string>): Promise<ServiceBase> {
    const service = await buildApp(loadConfig(env));
    service.http.get('/test/open', { config: { policy: 'open' } }, async () => ({ ok: true }));
    gateways.push(service);
    return service;
  }

  it('holds one budget across two built gateways on the same Redis and prefix', async () => {
    const env = testEnv(redis, { RATE_LIMIT_PER_IP: '7' });
    const pair = [await builtGateway(env), await builtGateway(env)];
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await get(pair[i % 2]!, '/test/open');
      if (response.statusCode === 429) expectError(response, 429, 'SB_RATE_LIMITED');
      statuses.push(response.statusCode);
    }
    const served = statuses.filter((status) => status === 200).length;
    expect(served).toBeGreaterThanOrEqual(7);
    expect(served).toBeLessThanOrEqual(8);
    // Once refused, refused for the rest of the window, on either instance.
    expect(statuses).toEqual([...Array(served).fill(200), ...Array(20 - served).fill(429)]);
  });

  it('never limits /health, /api/health, /ready or /metrics of the built gateway', async () => {
    const service = await builtGateway(testEnv(redis, { RATE_LIMIT_PER_IP: '1' }));
    expect((await get(service, '/test/open')).statusCode).toBe(200);
    expect((await get(service, '/test/open')).statusCode).toBe(429);
    for (let i = 0; i < 5; i++) {
      for (const url of ['/health', '/api/health', '/ready', '/metrics']) {
        const response = await get(service, url);
        expect([200, 401, 403, 503], url).toContain(response.statusCode);
        expect(response.headers['ratelimit-limit'], url).toBeUndefined();
      }
    }
  });

  it('reports the budget in RateLimit-* and X-RateLimit-* headers, and refuses with Retry-After', async () => {
    const service = await gateway(testEnv(redis, { RATE_LIMIT_PER_IP: '3' }));
    for (const remaining of [2, 1, 0]) {
      const response = await get(service, '/limited');
      expect(response.statusCode).toBe(200);
      for (const prefix of ['ratelimit', 'x-ratelimit']) {
        expect(response.headers[`${prefix}-limit`]).toBe('3');
        expect(response.headers[`${prefix}-remaining`]).toBe(String(remaining));
        const reset = Number(response.headers[`${prefix}-reset`]);
        expect(reset).toBeGreaterThan(0);
        expect(reset).toBeLessThanOrEqual(60);
      }
    }
    const refused = await get(service, '/limited');
    const body = expectError(refused, 429, 'SB_RATE_LIMITED');
    const retryAfter = refused.headers['retry-after'];
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['x-ratelimit-limit']).toBe('3');
    expect(refused.headers['ratelimit-reset']).toBe(retryAfter);
    expect(body.error).toBe(`Too many requests: 3 per minute per IP address; try again in ${retryAfter} s.`);
  });

  it('gives different client IPs separate budgets', async () => {
    const service = await gateway(testEnv(redis, { RATE_LIMIT_PER_IP: '2' }));
    for (let i = 0; i < 2; i++)
      expect((await get(service, '/limited', { ip: '10.0.0.1' })).statusCode).toBe(200);
    expectError(await get(service, '/limited', { ip: '10.0.0.1' }), 429, 'SB_RATE_LIMITED');
    expect((await get(service, '/limited', { ip: '10.0.0.2' })).statusCode).toBe(200);
    expect((await get(service, '/limited', { ip: '2001:db8::2' })).statusCode).toBe(200);
  });

  it('picks the budget by principal: per user, per session, per API key, else per IP', async () => {
    const service = await gateway(
      testEnv(redis, { RATE_LIMIT_PER_IP: '5', RATE_LIMIT_PER_USER: '2', RATE_LIMIT_PER_SESSION: '1' }),
    );
    const key: Principal = { kind: 'api_key', keyId: 'k1', scopes: ['read'], bootstrap: false };
    const session: Principal = { kind: 'session', sessionId: 's1' };
    const spend = async (principal: Principal, times: number) => {
      for (let i = 0; i < times; i++) {
        const response = await get(service, '/limited', { principal });
        expect(response.statusCode).toBe(200);
        expect(response.headers['ratelimit-remaining']).toBe(String(times - 1 - i));
      }
      return expectError(await get(service, '/limited', { principal }), 429, 'SB_RATE_LIMITED').error;
    };
    expect(await spend(user('u1'), 2)).toMatch(/^Too many requests: 2 per minute per user; /);
    expect(await spend(session, 1)).toMatch(/^Too many requests: 1 per minute per session; /);
    expect(await spend(key, 2)).toMatch(/^Too many requests: 2 per minute per API key; /);
    // All of the above came from one IP without touching its budget, nor each other's.
    expect((await get(service, '/limited', { principal: user('u2') })).statusCode).toBe(200);
    expect((await get(service, '/limited')).headers['ratelimit-remaining']).toBe('4');

    const metrics = (await get(service, '/metrics')).body;
    for (const kind of ['user', 'session', 'api_key']) {
      expect(metrics).toContain(`sb_rate_limited_total{kind="${kind}",service="gateway"} 1`);
    }
  });

  it("limits a 'channel' route per channel and caller", async () => {
    const service = await gateway(testEnv(redis, { RATE_LIMIT_PER_CHANNEL: '2', RATE_LIMIT_PER_IP: '50' }));
    for (let i = 0; i < 2; i++) {
      const response = await get(service, '/channels/slack/ping', { principal: user('u1') });
      expect(response.headers['ratelimit-limit']).toBe('2');
    }
    const body = expectError(
      await get(service, '/channels/slack/ping', { principal: user('u1') }),
      429,
      'SB_RATE_LIMITED',
    );
    expect(body.error).toMatch(/^Too many requests: 2 per minute per channel; /);
    expect((await get(service, '/channels/email/ping', { principal: user('u1') })).statusCode).toBe(200);
    expect((await get(service, '/channels/slack/ping', { principal: user('u2') })).statusCode).toBe(200);
    // The channel budget is apart from the caller's own.
    expect((await get(service, '/limited', { principal: user('u1') })).statusCode).toBe(200);
  });

  it('shares the budgets with WebSocket code through app.requestLimits', async () => {
    const service = await gateway(testEnv(redis, { RATE_LIMIT_PER_SESSION: '2' }));
    const session: Principal = { kind: 'session', sessionId: 'ws1' };
    expect((await get(service, '/limited', { principal: session })).statusCode).toBe(200);
    const state = await service.http.requestLimits.consume('session', 'ws1');
    expect(state).toMatchObject({ limit: 2, remaining: 0 });
    expect(state.resetS).toBeGreaterThan(0);
    await expect(service.http.requestLimits.consume('session', 'ws1')).rejects.toMatchObject({
      code: 'SB_RATE_LIMITED',
      statusCode: 429,
    });
  });

  async function expectAnswersAgain(service: ServiceBase) {
    const deadline = Date.now() + 8_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await get(service, '/limited')).statusCode;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  }

  // A hang must fail the test at once, not stall it: each refusal has a deadline.
  it('answers 503 within moments while Redis is stopped, and limits again once it is back', async () => {
    const service = await gateway(testEnv(redis, { RATE_LIMIT_PER_IP: '100' }));
    expect((await get(service, '/limited')).statusCode).toBe(200);
    handled = 0;
    await redis.restart(async () => {
      for (let i = 0; i < 2; i++) {
        const body = expectError(
          await withTimeout(get(service, '/limited'), 3_000, 'no answer within 3 s'),
          503,
          'SB_UNAVAILABLE',
        );
        expect(body.error).toBe(
          'Rate limiting is unavailable because Redis does not answer; try again shortly.',
        );
      }
    });
    expect(handled).toBe(0);
    await expectAnswersAgain(service);
    expect((await get(service, '/limited')).headers['ratelimit-limit']).toBe('100');
  });

  it('answers 503 after a second while Redis hangs, and limits again once it answers', async () => {
    const service = await gateway(testEnv(redis, { RATE_LIMIT_PER_IP: '100' }));
    expect((await get(service, '/limited')).statusCode).toBe(200);
    handled = 0;
    redis.pause();
    try {
      expectError(
        await withTimeout(get(service, '/limited'), 2_000, 'no answer within 2 s'),
        503,
        'SB_UNAVAILABLE',
      );
    } finally {
      redis.resume();
    }
    expect(handled).toBe(0);
    await expectAnswersAgain(service);
  });
});
