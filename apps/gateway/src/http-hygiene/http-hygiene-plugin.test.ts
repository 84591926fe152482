import { errorBodyValidator } from '@switchboard/contracts/errors';
import { loadConfig } from '@switchboard/runtime/config';
import { ServiceBase } from '@switchboard/runtime/service-base';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHygienePlugin, uploadLimits } from './http-hygiene-plugin.js';

const boundary = 'sb-test-boundary';

/** A multipart/form-data body from plain fields and files. */
function multipart(parts: { name: string; value: string | Buffer; filename?: string }[]): Buffer {
  const chunks = parts.flatMap(({ name, value, filename }) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
        `${filename ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`,
    ),
    Buffer.isBuffer(value) ? value : Buffer.from(value),
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
}

describe('HTTP hygiene: body types and limits', () => {
  let redis: PrivateRedis;
  let service: ServiceBase;

  beforeAll(async () => {
    redis = await startRedis();
    service = await ServiceBase.create({
      name: 'gateway',
      version: '0.0.0',
      config: loadConfig(testEnv(redis)),
      heartbeat: () => ({ beat: async () => {}, clear: async () => {} }),
      httpSetup: async (app, base) => {
        await app.register(httpHygienePlugin, { config: base.config });
      },
    });
    service.http.post(
      '/login',
      {
        schema: { body: Type.Object({ username: Type.String(), password: Type.String() }) },
        config: { policy: 'open' },
      },
      async (request) => ({
        username: request.body.username,
        prototypeIntact: Object.getPrototypeOf({}) === Object.prototype,
      }),
    );
    service.http.post(
      '/open',
      {
        // As the routes that take an optional body declare it.
        schema: { body: Type.Union([Type.Object({ name: Type.Optional(Type.String()) }), Type.Null()]) },
        config: { policy: 'open' },
      },
      async (request) => ({ body: request.body ?? 'none' }),
    );
    service.http.post('/upload', { config: { policy: 'open' } }, async (request) => {
      const received: { field: string; bytes: number }[] = [];
      for await (const part of request.parts()) {
        const bytes = part.type === 'file' ? (await part.toBuffer()).length : String(part.value).length;
        received.push({ field: part.fieldname, bytes });
      }
      return { received };
    });
  });
  afterAll(async () => {
    await service?.stop('test over');
    await redis?.stop();
  });

  function expectError(response: { statusCode: number; json(): unknown }, status: number, code: string) {
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(errorBodyValidator.Check(body), JSON.stringify(body)).toBe(true);
    expect(body).toMatchObject({ success: false, code });
  }

  it('reads form-encoded bodies as the original login sends them, without touching prototypes', async () => {
    const response = await service.http.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=alice%40example.com&password=p%26ss&__proto__=x&constructor=y',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'alice@example.com', prototypeIntact: true });
  });

  describe('JSON bodies', () => {
    const post = (url: string, payload: string) =>
      service.http.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

    it('reads an empty or blank body as none, as if no Content-Type had been sent', async () => {
      for (const payload of ['', '   ', '\r\n\t ']) {
        const response = await post('/open', payload);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toEqual({ body: 'none' });
      }
      expect((await post('/open', '{"name":"x"}')).json()).toEqual({ body: { name: 'x' } });
      const charset = await service.http.inject({
        method: 'POST',
        url: '/open',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: '',
      });
      expect(charset.json()).toEqual({ body: 'none' });
    });

    it('still refuses a missing body where the schema needs one (400 SB_VALIDATION)', async () => {
      expectError(await post('/login', ''), 400, 'SB_VALIDATION');
      expectError(await post('/login', ' \n'), 400, 'SB_VALIDATION');
    });

    it('still refuses malformed JSON and prototype poisoning', async () => {
      expectError(await post('/open', '{'), 400, 'SB_BAD_JSON');
      for (const payload of [
        '{"__proto__":{"x":1}}',
        '{"username":"a","password":"b","__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
      ]) {
        const response = await post('/login', payload);
        expect(response.statusCode, payload).toBe(400);
        expect(errorBodyValidator.Check(response.json())).toBe(true);
      }
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    });
  });

  it('refuses other body types with 415 and the standard body', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/octet-stream']) {
      const response = await service.http.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': type },
        payload: 'username=alice',
      });
      expectError(response, 415, 'SB_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('keeps JSON and form bodies to 1 MB', async () => {
    const big = 'x'.repeat(1_100_000);
    expectError(
      await service.http.inject({
        method: 'POST',
        url: '/login',
        payload: { username: big, password: 'p' },
      }),
      413,
      'SB_PAYLOAD_TOO_LARGE',
    );
    expectError(
      await service.http.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `username=${big}&password=p`,
      }),
      413,
      'SB_PAYLOAD_TOO_LARGE',
    );
  });

  describe('multipart uploads', () => {
    const upload = (parts: Parameters<typeof multipart>[0]) =>
      service.http.inject({
        method: 'POST',
        url: '/upload',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: multipart(parts),
      });

    it('takes one file up to 16 MB beside a few fields', async () => {
      const response = await upload([
        { name: 'note', value: 'contacts' },
        { name: 'file', value: Buffer.alloc(uploadLimits.fileSize, 1), filename: 'contacts.csv' },
      ]);
      expect(response.statusCode).toBe(200);
      expect(response.json().received).toEqual([
        { field: 'note', bytes: 8 },
        { field: 'file', bytes: 16 * 1024 * 1024 },
      ]);
    });

    it('refuses a file over 16 MB, a second file and too many fields with 413', async () => {
      expectError(
        await upload([
          { name: 'file', value: Buffer.alloc(uploadLimits.fileSize + 1), filename: 'big.xlsx' },
        ]),
        413,
        'SB_PAYLOAD_TOO_LARGE',
      );
      expectError(
        await upload([
          { name: 'a', value: 'one', filename: 'a.csv' },
          { name: 'b', value: 'two', filename: 'b.csv' },
        ]),
        413,
        'SB_PAYLOAD_TOO_LARGE',
      );
      const fields = Array.from({ length: uploadLimits.fields + 1 }, (_, i) => ({
        name: `f${i}`,
        value: 'v',
      }));
      expectError(await upload(fields), 413, 'SB_PAYLOAD_TOO_LARGE');
    });
  });
});
