import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorBodyValidator } from '@switchboard/contracts/errors';
import { loadConfig } from '@switchboard/runtime/config';
import { ServiceBase } from '@switchboard/runtime/service-base';
import { startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import fc from 'fast-check';
import type { InjectOptions, RouteOptions } from 'fastify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from './app.js';

/*
 * Every route the gateway registers, whoever wrote it, gets hostile input
 * generated from its own schema: it must never answer 5xx (unless it
 * documents that status, as /ready does its 503), every refusal must be the
 * standard error body, and nothing may hang or pollute prototypes. Routes
 * are discovered at start, so new ones are covered without editing this file.
 */

/** Fixed, so a failure replays: fast-check prints the seed and path beside the counterexample. */
const seed = 424_242;
const runsPerRoute = 100;
/**
 * Bounds each route's share of the run whatever its handler costs (password
 * hashing, a chat deadline): past it, the remaining runs send nothing. A
 * request already sent still has its full time to answer, so a hang always fails.
 */
const timePerRouteMs = 3_000;
const requestTimeoutMs = 3_000;
const hugeText = 'x'.repeat(1_500_000);

type JsonSchema = { readonly [key: string]: unknown };
interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

interface Probe {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

// Routes are recorded as Fastify announces them, from the very first one, by
// putting an onRoute hook ahead of the gateway's own setup.
const recorded: RouteOptions[] = [];
const createService = ServiceBase.create.bind(ServiceBase);
vi.spyOn(ServiceBase, 'create').mockImplementation((options) =>
  createService({
    ...options,
    httpSetup: async (app, service) => {
      app.addHook('onRoute', (route) => {
        recorded.push(route);
      });
      await options.httpSetup?.(app, service);
    },
  }),
);

const adminKey = `fuzz-admin-${randomBytes(12).toString('hex')}`;
const jwtSecret = randomBytes(32).toString('hex');
const dataDir = await mkdtemp(join(tmpdir(), 'sb-fuzz-'));
const redis = await startRedis();
const gateway = await buildApp(
  loadConfig(
    testEnv(redis, {
      ADMIN_API_KEY: adminKey,
      JWT_SECRET: jwtSecret,
      DATA_DIR: dataDir,
      CORS_ORIGINS: 'https://app.example.com',
      // Budgets big enough that the fuzzer reaches handlers instead of a wall of 429s.
      RATE_LIMIT_PER_IP: '1000000',
      RATE_LIMIT_PER_USER: '1000000',
      RATE_LIMIT_PER_SESSION: '1000000',
      RATE_LIMIT_PER_CHANNEL: '1000000',
      // No chat worker runs here; a synchronous chat route gives up quickly instead of hanging.
      CHAT_DEADLINE_MS: '1000',
      // A 500 logs its stack: the clue beside the counterexample.
      LOG_LEVEL: 'error',
    }),
  ),
);
await gateway.http.ready();
afterAll(async () => {
  await gateway.stop('test over');
  await redis.stop();
  await rm(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- values from schemas

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
function jwt(header: object, claims: object, key: string | null): string {
  const signed = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signed}.${key === null ? '' : createHmac('sha256', key).update(signed).digest('base64url')}`;
}
const farFuture = Math.floor(Date.now() / 1000) + 3600;
const adminClaims = { sub: 'fuzz', role: 'admin', typ: 'access', jti: 'j', iat: 1, exp: farFuture };

/** Who the request claims to be: nobody, the bootstrap admin, or a range of forgeries. */
const credentials = fc.constantFrom<Record<string, string>>(
  {},
  {}, // twice: most callers of most routes carry nothing
  { authorization: `Bearer ${adminKey}` },
  { 'x-api-key': adminKey },
  { authorization: 'Bearer not-a-token' },
  { authorization: 'Basic YWxpY2U6c2VjcmV0' },
  { authorization: `Bearer ${jwt({ alg: 'none', typ: 'JWT' }, adminClaims, null)}` },
  { authorization: `Bearer ${jwt({ alg: 'HS256', typ: 'JWT' }, adminClaims, 'not-the-secret')}` },
  { authorization: `Bearer ${'a'.repeat(5000)}` },
  { 'x-api-key': `sbk_${'0'.repeat(40)}` },
);

const nobodyAndAdmin: Record<string, string>[] = [{}, { 'x-api-key': adminKey }];

/** Keys that should never change an object's shape or anyone's prototype. */
const dangerousKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'role',
  'isAdmin',
];

/** A value of the wrong type, size or content for almost any field. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u202e\u2066',
    '💩'.repeat(64),
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '../../../../etc/passwd',
    '{sb}:*',
    'x'.repeat(100_000),
    [],
    {},
    [[[[]]]],
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
    case 'date':
      return fc.date({ noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
    case 'uuid':
      return fc.uuid();
    case 'uri':
      return fc.webUrl();
  }
  if (typeof schema.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // A pattern fast-check cannot invert: plain strings still probe the route.
    }
  }
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = Math.max(
    minLength,
    Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 32, 64),
  );
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ minLength, maxLength, unit: 'grapheme' }),
    fc.string({ minLength, maxLength, unit: 'binary' }),
  );
}

function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  if (Object.keys(properties).length === 0) {
    return fc.dictionary(fc.string({ maxLength: 12 }), valueFor({}, depth + 1), { maxKeys: 4 });
  }
  const fields = Object.fromEntries(
    Object.entries(properties).map(([key, inner]) => [key, valueFor(inner, depth + 1)]),
  );
  return fc.record(fields, { requiredKeys: required.filter((key) => key in properties) }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

/** Values shaped like the schema wants (approximately: close enough to reach the handler). */
function valueFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((inner) => valueFor(inner, depth + 1)));
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf as JsonSchema[];
    const merged = {
      type: 'object',
      properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})),
      required: parts.flatMap((part) => (Array.isArray(part.required) ? part.required : [])),
    };
    return valueFor(merged, depth);
  }
  if (Array.isArray(schema.type)) {
    return fc.oneof(...(schema.type as string[]).map((type) => valueFor({ ...schema, type }, depth)));
  }
  switch (schema.type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.max(
        minLength,
        Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 4, 4),
      );
      return fc.array(valueFor((schema.items ?? {}) as JsonSchema, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectFor(schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An own property, even for `__proto__` (plain assignment would change the prototype instead). */
function withField(target: unknown, key: string, value: unknown): unknown {
  const copy = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** The schema's values, and the same with one field broken, dropped, doubled or of the wrong shape. */
function bodyValueFor(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const valid = valueFor(schema ?? { type: 'object' });
  const keys = Object.keys((schema?.properties ?? {}) as object);
  const someKey = keys.length > 0 ? fc.constantFrom(...keys) : fc.constantFrom(...dangerousKeys);
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    {
      weight: 3,
      arbitrary: fc.tuple(valid, someKey, hostileValue).map(([body, key, bad]) => withField(body, key, bad)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...dangerousKeys, 'unexpected'), hostileValue)
        .map(([body, key, extra]) => withField(body, key, extra)),
    },
    { weight: 1, arbitrary: valid.map((body) => [body]) },
    { weight: 1, arbitrary: hostileValue },
  );
}

const formEncoded = (value: unknown) =>
  new URLSearchParams(
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).map(([key, inner]): [string, string] => [
          key,
          typeof inner === 'string' ? inner : JSON.stringify(inner),
        ])
      : [['value', typeof value === 'string' ? value : (JSON.stringify(value) ?? '')] as [string, string]],
  ).toString();

const junkMultipart = [
  '--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\na,b\r\n--b--\r\n',
  '--b\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\n{"polluted":true}\r\n--b--\r\n',
  '--b\r\nnot a header\r\n\r\n',
  'no boundary at all',
];

/** Raw bodies no encoder would write. */
const hostileText = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,}',
  "{'a':1}",
  '{"a":',
  '',
  'null',
  '[]',
  '{"n":1e999,"m":-1e999,"big":123456789012345678901234567890}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  `{"big":"${hugeText}"}`,
  '\ufeff{}',
  '{"s":"\\ud800"}',
];

/** A body and the `Content-Type` it claims, mostly JSON, sometimes anything else. */
function bodyFor(schema: JsonSchema | undefined): fc.Arbitrary<{ type?: string; payload: string }> {
  const value = bodyValueFor(schema);
  const json = (type: string) => value.map((body) => ({ type, payload: JSON.stringify(body) ?? 'null' }));
  return fc.oneof(
    { weight: 8, arbitrary: json('application/json') },
    { weight: 1, arbitrary: json('application/json; charset=utf-8') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...hostileText).map((payload) => ({ type: 'application/json', payload })),
    },
    {
      weight: 2,
      arbitrary: value.map((body) => ({
        type: 'application/x-www-form-urlencoded',
        payload: formEncoded(body),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { type: 'application/x-www-form-urlencoded', payload: '__proto__[polluted]=1&a[b][c]=1&a=2&a=3' },
        { type: 'application/x-www-form-urlencoded', payload: `big=${hugeText}` },
        { type: 'application/x-www-form-urlencoded', payload: '%E0%A4%A=%' },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...junkMultipart).map((payload) => ({
        type: 'multipart/form-data; boundary=b',
        payload,
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'text/html',
            'application/octet-stream',
            'application/json; charset=utf-16',
            'application/vnd.api+json',
            'APPLICATION/JSON',
            'application/json, text/plain',
            '',
          ),
          value,
        )
        .map(([type, body]) => ({ type, payload: JSON.stringify(body) ?? 'null' })),
    },
    { weight: 1, arbitrary: value.map((body) => ({ payload: JSON.stringify(body) ?? 'null' })) },
  );
}

const hostileSegments = [
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%',
  '%E0%A4%A',
  '%ZZ',
  'a'.repeat(2_000),
  '%F0%9F%92%A9',
  '__proto__',
  'constructor',
  '-1',
  '99999999999999999999',
  '%7B%7D',
];

/** `:name` (with an optional regex) or a `*` wildcard in a route's URL. */
const pathSlots = /:([A-Za-z0-9_]+)(\([^)]*\))?|\*/g;

/** Path parameters from the schema or anything at all, percent-encoded or deliberately not. */
function pathFor(url: string, paramsSchema: JsonSchema | undefined): fc.Arbitrary<string> {
  const properties = (paramsSchema?.properties ?? {}) as Record<string, JsonSchema>;
  const slots = [...url.matchAll(pathSlots)];
  if (slots.length === 0) return fc.constant(url);
  const values = slots.map(([slot, name]) => {
    const valid =
      slot === '*'
        ? fc.constantFrom(
            'swagger-ui.css',
            'index.css',
            'nothing-here.js',
            '../../../../package.json',
            'a/b/c',
          )
        : valueFor(properties[name ?? ''] ?? { type: 'string', minLength: 1 }).map((value) =>
            encodeURIComponent(String(value)),
          );
    return fc.oneof(
      { weight: 3, arbitrary: valid },
      { weight: 1, arbitrary: fc.constantFrom(...hostileSegments) },
    );
  });
  return fc.tuple(...values).map((filled) => {
    let index = 0;
    return url.replace(pathSlots, () => filled[index++] ?? '');
  });
}

const hostileQueries = [
  '__proto__[polluted]=1',
  'constructor[prototype][polluted]=1',
  'a=1&a=2&a=3',
  '%E0%A4%A=1',
  'x=%00',
  `format=${'x'.repeat(10_000)}`,
  'date=9999-99-99',
  'format[]=csv',
  'limit=-1&offset=1e309',
  '=&&&=',
  'status=%F0%9F%92%A9',
  'token=',
];

/** A query string from the schema, with one value broken, or one no schema expects. */
function queryFor(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const fromSchema = schema
    ? valueFor(schema).map((value) =>
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? new URLSearchParams(
              Object.entries(value).flatMap(([key, inner]) =>
                (Array.isArray(inner) ? inner : [inner]).map((item): [string, string] => [key, String(item)]),
              ),
            ).toString()
          : '',
      )
    : fc.constant('');
  const keys = Object.keys((schema?.properties ?? {}) as object);
  const broken =
    keys.length > 0
      ? fc
          .tuple(
            fc.constantFrom(...keys),
            fc.constantFrom('', '%00', 'x'.repeat(5_000), '-1', 'true', '{}', '%'),
          )
          .map(([key, value]) => `${encodeURIComponent(key)}=${value}`)
      : fc.constantFrom(...hostileQueries);
  return fc.oneof(
    { weight: 3, arbitrary: fromSchema },
    { weight: 1, arbitrary: broken },
    { weight: 1, arbitrary: fc.constantFrom(...hostileQueries) },
  );
}

// ---------------------------------------------------------------- judging answers

const declaredStatuses = (route: RouteOptions) =>
  new Set(Object.keys((route.schema?.response ?? {}) as object).map(String));

/** What is wrong with an answer, or undefined when it is fine. */
function problemWith(route: RouteOptions, response: Answer): string | undefined {
  const { statusCode } = response;
  const declared = declaredStatuses(route).has(String(statusCode));
  if (statusCode === 500) return '500: an unhandled error';
  if (statusCode >= 500 && !declared) return `${statusCode}, which the route does not document`;
  if (statusCode < 400) return undefined;
  const ownSchema = (route.schema?.response as Record<string, JsonSchema> | undefined)?.[statusCode];
  // A route may document its own body for a failure status (`/ready`'s 503 is a ReadyBody).
  if (declared && ownSchema?.$id !== 'ErrorBody' && ownSchema?.$ref !== 'ErrorBody#') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return `${statusCode} whose body is not JSON: ${response.body.slice(0, 200)}`;
  }
  if (!errorBodyValidator.Check(body) || !body.code.startsWith('SB_')) {
    return `${statusCode} without the standard error body: ${response.body.slice(0, 300)}`;
  }
  if (body.requestId !== response.headers['x-request-id'])
    return 'requestId differs from the x-request-id header';
  return undefined;
}

/** The answer, read to its end, unless it is an event stream (open by design: its head is the answer). */
async function answerTo(probe: Probe): Promise<Answer> {
  const response = await gateway.http.inject({
    ...probe,
    method: probe.method as InjectOptions['method'],
    payloadAsStream: true,
  });
  const stream = response.stream();
  const { statusCode, headers } = response;
  if (String(headers['content-type']).startsWith('text/event-stream')) {
    stream.destroy();
    return { statusCode, headers, body: '' };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return { statusCode, headers, body: Buffer.concat(chunks).toString() };
}

async function send(probe: Probe): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${requestTimeoutMs} ms`)), requestTimeoutMs);
  });
  try {
    return await Promise.race([answerTo(probe), hang]);
  } finally {
    clearTimeout(timer);
  }
}

const shorten = (text?: string) =>
  text !== undefined && text.length > 300 ? `${text.slice(0, 300)}… (${text.length})` : text;

/** Every probe a route can get: its path, query, credential and (if it takes one) body. */
function probesFor(route: RouteOptions, method: string, takesBody: boolean): fc.Arbitrary<Probe> {
  const schema = (route.schema ?? {}) as Record<string, JsonSchema | undefined>;
  const body = takesBody ? fc.option(bodyFor(schema.body), { freq: 8 }) : fc.constant(null);
  return fc
    .tuple(pathFor(route.url, schema.params), queryFor(schema.querystring), credentials, body)
    .map(([path, query, headers, content]) => ({
      method,
      url: query ? `${path}?${query}` : path,
      headers: {
        ...headers,
        ...(content?.type !== undefined ? { 'content-type': content.type } : {}),
        ...(method === 'OPTIONS'
          ? { origin: 'https://app.example.com', 'access-control-request-method': 'POST' }
          : {}),
      },
      ...(content ? { payload: content.payload } : {}),
    }));
}

// ---------------------------------------------------------------- the walk

/** @fastify/websocket marks its routes with `websocket: true` or a `wsHandler`. */
const isWebSocket = (route: RouteOptions) => 'websocket' in route || 'wsHandler' in route;

const probed = recorded.flatMap((route) =>
  ([] as string[])
    .concat(route.method)
    .filter((method) => method !== 'HEAD')
    .map((method) => ({
      name: `${method} ${route.url}${isWebSocket(route) ? ' (websocket)' : ''}`,
      method,
      route,
    })),
);

describe('every gateway route under hostile input', () => {
  it('found the routes to walk', () => {
    expect(probed.length).toBeGreaterThan(8);
    expect(probed.map(({ name }) => name)).toEqual(expect.arrayContaining(['GET /health', 'GET /docs/json']));
  });

  it('finds each of them in /docs/json unless its author hid it (only /metrics is hidden for them)', async () => {
    const document = (await gateway.http.inject({ method: 'GET', url: '/docs/json' })).json();
    const documented = Object.entries(document.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = probed
      .filter(
        ({ route }) => !(route.schema as { hide?: boolean } | undefined)?.hide && route.url !== '/metrics',
      )
      .map(({ method, route }) => `${method} ${route.url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}')}`);
    expect(expected.length).toBeGreaterThan(4);
    expect(documented.sort()).toEqual([...new Set(expected)].sort());
  });

  it.each(probed)(
    '$name',
    async ({ route, method }) => {
      const takesBody = !['GET', 'HEAD', 'OPTIONS'].includes(method) && !isWebSocket(route);
      // The worst bodies go to every route that takes one, not only when the dice say so,
      // from nobody and from the admin (who gets past every policy to the handler).
      const path = route.url.replace(pathSlots, 'fuzz');
      const examples: [Probe][] = takesBody
        ? hostileText.flatMap((payload) =>
            nobodyAndAdmin.map((who): [Probe] => [
              { method, url: path, headers: { ...who, 'content-type': 'application/json' }, payload },
            ]),
          )
        : [];
      const deadline = performance.now() + timePerRouteMs;
      await fc.assert(
        fc.asyncProperty(probesFor(route, method, takesBody), async (probe) => {
          if (performance.now() > deadline) return;
          const response = await send(probe);
          const problem = problemWith(route, response);
          if (problem) {
            throw new Error(
              `${problem}\n  request: ${JSON.stringify({ ...probe, payload: shorten(probe.payload) })}\n` +
                `  response: ${response.statusCode} ${shorten(response.body)}`,
            );
          }
          expect(Object.getPrototypeOf({})).toBe(Object.prototype);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        {
          seed,
          numRuns: runsPerRoute,
          examples,
          endOnFailure: true,
        },
      );
    },
    30_000,
  );
});
