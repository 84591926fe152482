import { createHmac } from 'node:crypto';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { UserStore } from '@switchboard/stores/users';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';

const jwtSecret = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const adminKey = 'bootstrap-admin-key-for-tests-000000';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret = jwtSecret,
): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** The secret part of `sbk_<id>_<secret>` (the secret may itself contain `_`). */
const secretOf = (key: string) => key.slice('sbk_'.length + 32 + 1);

describe('users and tokens', () => {
  let redis: PrivateRedis;
  let gateway: ServiceBase;
  let counter = 0;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await buildApp(
      loadConfig(
        testEnv(redis, {
          JWT_SECRET: jwtSecret,
          ADMIN_API_KEY: adminKey,
          LOGIN_MAX_FAILURES: '3',
          LOGIN_BLOCK_S: '1',
          RATE_LIMIT_PER_USER: '100000',
          RATE_LIMIT_PER_IP: '100000',
          RATE_LIMIT_PER_SESSION: '100000',
        }),
      ),
    );
  });
  afterAll(async () => {
    await gateway.stop('test over');
    await redis.stop();
  });

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function register(overrides: Partial<{ email: string; username: string; password: string }> = {}) {
    counter++;
    const body = {
      email: `user${counter}@example.com`,
      username: `user${counter}`,
      password: 'longenough1',
      ...overrides,
    };
    const response = await inject({ method: 'POST', url: '/api/auth/register', payload: body });
    return { response, body, tokens: response.json() as { access_token: string; refresh_token: string } };
  }

  it('registers (first user admin), answers /me, and refuses a taken name case-insensitively', async () => {
    const first = await register({ email: 'Alice@Example.com', username: 'Alice' });
    expect(first.response.statusCode).toBe(201);
    expect(first.tokens).toMatchObject({ token_type: 'bearer', expires_in: 1500 });
    expect(decode(first.tokens.access_token)).toMatchObject({ typ: 'access', role: 'admin' });
    const me = await inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: bearer(first.tokens.access_token),
    });
    expect(me.json()).toMatchObject({ email: 'alice@example.com', username: 'Alice', role: 'admin' });

    const second = await register();
    expect(decode(second.tokens.access_token).role).toBe('user');
    for (const clash of [{ email: 'ALICE@example.com' }, { username: 'alice' }]) {
      const again = await register(clash);
      expect(again.response.statusCode).toBe(409);
      expect(again.response.json()).toMatchObject({ success: false, code: 'SB_CONFLICT' });
    }
  });

  it('enforces the password policy', async () => {
    for (const password of ['short1', 'onlyletters', '1234567890']) {
      expect((await register({ password })).response.statusCode).toBe(400);
    }
  });

  it('logs in form-encoded (as the original) and with JSON, by username or email', async () => {
    const { body } = await register();
    const form = await inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${body.username}&password=${body.password}&grant_type=password`,
    });
    expect(form.statusCode).toBe(200);
    const json = await inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: body.email.toUpperCase(), password: body.password },
    });
    expect(json.statusCode).toBe(200);
    const wrong = await inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: body.username, password: 'nope-nope-1' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
    expect(wrong.json().code).toBe('SB_UNAUTHENTICATED');
  });

  describe('refuses every token attack with 401', () => {
    let access: string;
    let refresh: string;
    beforeAll(async () => {
      ({ access_token: access, refresh_token: refresh } = (await register()).tokens);
    });
    const me = (token: string) => inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });

    it('alg none', async () => {
      const claims = decode(access);
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      expect((await me(none)).statusCode).toBe(401);
    });

    it('algorithm confusion (RS256 header, HMAC signature)', async () => {
      expect((await me(forge({ alg: 'RS256', typ: 'JWT' }, decode(access)))).statusCode).toBe(401);
    });

    it('a tampered payload', async () => {
      const [header, , signature] = access.split('.');
      const elevated = `${header}.${b64({ ...decode(access), role: 'admin', sub: 'someone-else' })}.${signature}`;
      expect((await me(elevated)).statusCode).toBe(401);
    });

    it('an expired token (beyond the 30 s skew)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = forge(
        { alg: 'HS256', typ: 'JWT' },
        { ...decode(access), iat: now - 1600, exp: now - 60 },
      );
      const response = await me(expired);
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatch(/expired/);
    });

    it('a token signed with another secret', async () => {
      expect(
        (
          await me(
            forge({ alg: 'HS256', typ: 'JWT' }, decode(access), 'another-secret-another-secret-another'),
          )
        ).statusCode,
      ).toBe(401);
    });

    it('a refresh token used as an access token, and an access token used to refresh', async () => {
      expect((await me(refresh)).statusCode).toBe(401);
      const viaRefresh = await inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refresh_token: access },
      });
      expect(viaRefresh.statusCode).toBe(401);
    });

    it("a deleted user's token", async () => {
      const { tokens } = await register();
      const users = new UserStore(gateway.redis, gateway.keys);
      await users.delete(decode(tokens.access_token).sub as string);
      expect((await me(tokens.access_token)).statusCode).toBe(401);
      const refreshed = await inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refresh_token: tokens.refresh_token },
      });
      expect(refreshed.statusCode).toBe(401);
    });

    it('a session token where a user is required', async () => {
      const created = await inject({ method: 'POST', url: '/api/sessions', payload: {} });
      expect(created.statusCode).toBe(201);
      const response = await me(created.json().session_token);
      expect(response.statusCode).toBe(403);
    });
  });

  it('rotates refresh tokens, and reuse of a rotated one revokes the whole family', async () => {
    const { tokens } = await register();
    const refresh = (token: string) =>
      inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: token } });
    const second = await refresh(tokens.refresh_token);
    expect(second.statusCode).toBe(200);
    const r2 = second.json().refresh_token as string;
    expect(r2).not.toBe(tokens.refresh_token);

    const reused = await refresh(tokens.refresh_token);
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error).toMatch(/^refresh_token_reused/);
    expect((await refresh(r2)).statusCode).toBe(401);
    const me = await inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: bearer(second.json().access_token),
    });
    expect(me.statusCode).toBe(401);
  });

  it('logs out: the refresh token and the access token stop working', async () => {
    const { tokens } = await register();
    const out = await inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: bearer(tokens.access_token),
    });
    expect(out.statusCode).toBe(204);
    expect(
      (await inject({ method: 'GET', url: '/api/auth/me', headers: bearer(tokens.access_token) })).statusCode,
    ).toBe(401);
    expect(
      (
        await inject({
          method: 'POST',
          url: '/api/auth/refresh',
          payload: { refresh_token: tokens.refresh_token },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('throttles failed logins with 429 and Retry-After, then recovers', async () => {
    const { body } = await register();
    const attempt = (password: string) =>
      inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: body.username, password },
        remoteAddress: '10.9.8.7',
      });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong-password-1')).statusCode).toBe(401);
    const blocked = await attempt(body.password);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(blocked.json().code).toBe('SB_RATE_LIMITED');
    // Another IP is not blocked by this pair's failures.
    const elsewhere = await inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: body.username, password: body.password },
      remoteAddress: '10.1.1.1',
    });
    expect(elsewhere.statusCode).toBe(200);
    await expect
      .poll(async () => (await attempt(body.password)).statusCode, { timeout: 5_000, interval: 300 })
      .toBe(200);
  });

  it('counts a burst of parallel guesses as they arrive', async () => {
    const { body } = await register();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () =>
        inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: body.username, password: 'wrong-password-1' },
          remoteAddress: '10.7.7.7',
        }).then((response) => response.statusCode),
      ),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(27);
  });

  it('answers 503, not a hang, when Redis stalls while a token is checked', async () => {
    const { tokens } = await register();
    redis.pause();
    try {
      const response = await inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: bearer(tokens.access_token),
      });
      expect(response.statusCode).toBe(503);
      expect(response.json().code).toBe('SB_UNAVAILABLE');
    } finally {
      redis.resume();
    }
    expect(
      (await inject({ method: 'GET', url: '/api/auth/me', headers: bearer(tokens.access_token) })).statusCode,
    ).toBe(200);
  });

  it('refuses user routes to nobody (401) and session routes to another session (403)', async () => {
    const catalog = gateway.http.routeCatalog.filter((route) => route.method !== 'HEAD');
    const fill = (url: string, sessionId: string) =>
      url.replace(/:(\w+)/g, (_, name: string) => (name === 'id' || name === 'session_id' ? sessionId : 'x'));
    const mine = (await inject({ method: 'POST', url: '/api/sessions', payload: {} })).json();
    const theirs = (await inject({ method: 'POST', url: '/api/sessions', payload: {} })).json();
    const userRoutes = catalog.filter((route) => route.policy === 'user');
    const sessionRoutes = catalog.filter((route) => route.policy === 'session');
    expect(userRoutes.length).toBeGreaterThan(0);
    expect(sessionRoutes.length).toBeGreaterThan(0);
    for (const route of userRoutes) {
      const response = await inject({ method: route.method as 'GET', url: fill(route.url, mine.session_id) });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
    for (const route of sessionRoutes) {
      const url = fill(route.url, theirs.session_id);
      // Routes that name their session in the body (002's stop, the chat turns) get it there.
      const payload = route.url.includes('chat')
        ? { session_id: theirs.session_id, message: 'hello' }
        : route.url === '/api/session/stop'
          ? { session_id: theirs.session_id }
          : undefined;
      expect(
        (await inject({ method: route.method as 'GET', url, ...(payload ? { payload } : {}) })).statusCode,
        `${route.method} ${route.url}`,
      ).toBe(401);
      const other = await inject({
        method: route.method as 'GET',
        url,
        headers: bearer(mine.session_token),
        ...(payload ? { payload } : {}),
      });
      expect(other.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
  });

  describe('API keys and policies', () => {
    it('lets the bootstrap key manage scoped keys, shown once and stored hashed', async () => {
      const created = await inject({
        method: 'POST',
        url: '/api/admin/api-keys',
        headers: { 'x-api-key': adminKey },
        payload: { name: 'ops script', scopes: ['read'] },
      });
      expect(created.statusCode).toBe(201);
      const { key, api_key } = created.json();
      expect(key).toMatch(/^sbk_[0-9a-f]{32}_/);
      const listed = await inject({ method: 'GET', url: '/api/admin/api-keys', headers: bearer(adminKey) });
      expect(listed.json().api_keys).toContainEqual(api_key);
      expect(listed.body).not.toContain(secretOf(key));
      const stored = await gateway.redis.get(gateway.keys.key('api-key', api_key.id));
      expect(stored).not.toContain(secretOf(key));

      // A scoped key is not an admin.
      expect(
        (await inject({ method: 'GET', url: '/api/admin/api-keys', headers: { 'x-api-key': key } }))
          .statusCode,
      ).toBe(403);
      const revoked = await inject({
        method: 'DELETE',
        url: `/api/admin/api-keys/${api_key.id}`,
        headers: bearer(adminKey),
      });
      expect(revoked.statusCode).toBe(204);
      expect(
        (await inject({ method: 'GET', url: '/api/admin/api-keys', headers: { 'x-api-key': key } }))
          .statusCode,
      ).toBe(401);
    });

    it('refuses admin routes to a plain user and to nobody', async () => {
      const { tokens } = await register();
      expect(
        (await inject({ method: 'GET', url: '/api/admin/api-keys', headers: bearer(tokens.access_token) }))
          .statusCode,
      ).toBe(403);
      const anonymous = await inject({ method: 'GET', url: '/api/admin/api-keys' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expect(
        (await inject({ method: 'GET', url: '/api/admin/api-keys', headers: bearer('sbk_not_a_key') }))
          .statusCode,
      ).toBe(401);
    });

    it('declares a policy on every registered route, and admin routes refuse a user token and an unscoped key', async () => {
      const catalog = gateway.http.routeCatalog;
      expect(catalog.length).toBeGreaterThan(10);
      expect(catalog.filter((route) => route.policy === undefined)).toEqual([]);

      const { tokens } = await register();
      const keyed = await inject({
        method: 'POST',
        url: '/api/admin/api-keys',
        headers: bearer(adminKey),
        payload: { name: 'callbacks only', scopes: ['callbacks'] },
      });
      const callbacksKey = keyed.json().key as string;
      const guarded = catalog.filter(
        (route) => route.policy === 'admin' || route.policy?.startsWith('scope:'),
      );
      expect(guarded.length).toBeGreaterThan(0);
      for (const route of guarded) {
        const url = route.url.replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? '0'.repeat(32) : 'x'));
        for (const headers of [bearer(tokens.access_token), { 'x-api-key': callbacksKey }]) {
          if (route.policy === 'scope:callbacks' && 'x-api-key' in headers) continue;
          const response = await inject({
            method: route.method as 'GET',
            url,
            headers,
            payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : {},
          });
          expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
        }
      }
    });
  });
});
