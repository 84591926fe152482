import { Validator } from '@seriousme/openapi-schema-validator';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

interface Operation {
  security?: Record<string, string[]>[];
  'x-policy'?: string;
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;
const errorBodyRef = '#/components/schemas/ErrorBody';

function operationsOf(document: OpenApiDocument): { name: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    methods
      .filter((method) => item[method])
      .map((method) => ({ name: `${method.toUpperCase()} ${path}`, path, operation: item[method]! })),
  );
}

function allRefs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allRefs);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : allRefs(inner),
  );
}

describe('gateway OpenAPI document and HTTP hygiene', () => {
  let redis: PrivateRedis;
  let gateway: ServiceBase;
  let document: OpenApiDocument;
  const others: ServiceBase[] = [];

  async function gatewayWith(overrides: Record<string, string>): Promise<ServiceBase> {
    const service = await buildApp(loadConfig(testEnv(redis, overrides)));
    others.push(service);
    return service;
  }

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await buildApp(loadConfig(testEnv(redis)));
    const response = await gateway.http.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => {
    await Promise.all([gateway, ...others].map((service) => service?.stop('test over')));
    await redis?.stop();
  });

  describe('/docs/json', () => {
    it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
      const validator = new Validator();
      const result = await validator.validate(
        structuredClone(document) as unknown as Record<string, unknown>,
      );
      expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
      expect(result.valid).toBe(true);
      expect(validator.version).toBe('3.1');
      for (const ref of new Set(allRefs(document))) {
        expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9._-]+$/);
        expect(document.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
      }
    });

    it('names Switchboard at the running version and documents both credentials', () => {
      expect(document.info).toMatchObject({ title: 'Switchboard', version: gateway.identity.version });
      expect(document.components.securitySchemes).toEqual({
        bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
      });
      expect(document.components.schemas.ErrorBody).toMatchObject({
        required: ['success', 'error', 'code', 'requestId'],
      });
    });

    it('gives every route its policy, the matching credentials and the standard failures', () => {
      const operations = operationsOf(document);
      expect(operations.map(({ name }) => name)).toEqual(
        expect.arrayContaining(['GET /health', 'GET /api/health', 'GET /ready', 'GET /status']),
      );
      for (const { name, path, operation } of operations) {
        const policy = operation['x-policy'];
        const responses = operation.responses ?? {};
        const statuses = Object.keys(responses);
        expect(policy, name).toMatch(/^(open|signed|user|session|admin|scope:[a-z]+)$/);
        expect(
          statuses.some((status) => status.startsWith('2') || status === '101'),
          `${name} documents a success`,
        ).toBe(true);

        const schemes = (operation.security ?? []).map((requirement) => Object.keys(requirement).join('+'));
        if (policy === 'open' || policy === 'signed') expect(schemes, name).toEqual([]);
        else if (policy === 'user' || policy === 'session') expect(schemes, name).toEqual(['bearerAuth']);
        else if (policy === 'admin') expect(schemes.sort(), name).toEqual(['apiKey', 'bearerAuth']);
        else expect(operation.security, name).toContainEqual({ apiKey: [policy!.slice('scope:'.length)] });

        const expected = ['429', '500'];
        if (policy !== 'open') expected.push('401');
        if (policy !== 'open' && policy !== 'signed') expected.push('403');
        if (operation.requestBody) expected.push('400', '413', '415');
        if (path.includes('{')) expected.push('404');
        expect(statuses, name).toEqual(expect.arrayContaining(expected));
        if (policy === 'open') expect(statuses, name).not.toEqual(expect.arrayContaining(['401']));
        if (policy === 'open') expect(statuses, name).not.toEqual(expect.arrayContaining(['403']));
        for (const status of expected) {
          expect(responses[status]?.content?.['application/json']?.schema?.$ref, `${name} ${status}`).toBe(
            errorBodyRef,
          );
        }
      }
    });
  });

  it('serves the docs UI as HTML with its assets, to anyone', async () => {
    const page = await gateway.http.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    // The page runs under the gateway's CSP (script-src 'self'): every script it loads is a file we serve.
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const scripts = [...page.body.matchAll(/<script([^>]*)>/g)].map((match) => match[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) {
      const src = /src="([^"]+)"/.exec(attributes)?.[1];
      expect(src, 'no inline script').toMatch(/^\/docs\//);
      const asset = await gateway.http.inject({ method: 'GET', url: src! });
      expect(asset.statusCode, src).toBe(200);
      expect(asset.headers['content-type'], src).toMatch(/javascript/);
    }
  });

  it('sends security headers on an ordinary route', async () => {
    const response = await gateway.http.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(response.headers['strict-transport-security']).toContain('max-age=');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  describe('CORS', () => {
    const preflight = (origin: string) => ({
      method: 'OPTIONS' as const,
      url: '/status',
      headers: {
        origin,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization',
      },
    });
    const corsHeaders = (headers: Record<string, unknown>) =>
      Object.keys(headers).filter((name) => name.startsWith('access-control-'));

    it('sends no CORS headers at all when CORS_ORIGINS is empty', async () => {
      const simple = await gateway.http.inject({
        method: 'GET',
        url: '/health',
        headers: { origin: 'https://app.example.com' },
      });
      expect(corsHeaders(simple.headers)).toEqual([]);
      const refused = await gateway.http.inject(preflight('https://app.example.com'));
      expect(corsHeaders(refused.headers)).toEqual([]);
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toMatchObject({ success: false, code: 'SB_NOT_FOUND' });
    });

    it('lets any origin in without credentials for *', async () => {
      const open = await gatewayWith({ CORS_ORIGINS: '*' });
      const simple = await open.http.inject({
        method: 'GET',
        url: '/health',
        headers: { origin: 'https://anywhere.example.org' },
      });
      expect(simple.headers['access-control-allow-origin']).toBe('*');
      expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
      expect(simple.headers['access-control-expose-headers']).toContain('x-request-id');
      const allowed = await open.http.inject(preflight('https://anywhere.example.org'));
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('*');
      expect(allowed.headers['access-control-allow-methods']).toContain('DELETE');
      expect(allowed.headers['access-control-allow-headers']).toBe('authorization');
    });

    it('lets exactly the listed origins in, with credentials, and no other', async () => {
      const listed = await gatewayWith({
        CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
      });
      for (const origin of ['https://app.example.com', 'https://admin.example.com']) {
        const simple = await listed.http.inject({ method: 'GET', url: '/health', headers: { origin } });
        expect(simple.headers).toMatchObject({
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
        });
        expect(simple.headers.vary).toContain('Origin');
        const allowed = await listed.http.inject(preflight(origin));
        expect(allowed.statusCode).toBe(204);
        expect(allowed.headers['access-control-allow-origin']).toBe(origin);
        expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      }
      for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.net', 'null']) {
        const simple = await listed.http.inject({ method: 'GET', url: '/health', headers: { origin } });
        expect(simple.statusCode).toBe(200);
        expect(corsHeaders(simple.headers), origin).toEqual([]);
        const refused = await listed.http.inject(preflight(origin));
        expect(corsHeaders(refused.headers), origin).toEqual([]);
        expect(refused.statusCode, origin).toBe(404);
      }
    });
  });
});
