import { Writable } from 'node:stream';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { loggableUrl } from './logger.js';
import { ServiceBase } from './service-base.js';

describe('logs', () => {
  let redis: PrivateRedis;
  let service: ServiceBase;
  const lines: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    service = await ServiceBase.create({
      name: 'gateway',
      version: '1.0.0',
      config: loadConfig(testEnv(redis, { LOG_LEVEL: 'info' })),
      heartbeat: () => ({ beat: async () => {}, clear: async () => {} }),
      logDestination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    service.http.post('/login', { config: { policy: 'open' } }, async () => ({ ok: true }));
  });
  afterAll(async () => {
    await service.stop('test over');
    await redis.stop();
  });

  it('never carry credentials from headers, bodies or query strings', async () => {
    await service.http.inject({
      method: 'POST',
      url: '/login?token=eyJsecret.query.token&x=1',
      headers: { authorization: 'Bearer header-secret', 'x-api-key': 'sbk_key_secret' },
      payload: { password: 'body-secret' },
    });
    service.logger.info({ body: { password: 'pw-secret', token: 't-secret' } }, 'a line with secrets');
    const all = lines.join('');
    expect(all).toContain('/login?token=[redacted]&x=1');
    for (const secret of ['eyJsecret', 'header-secret', 'sbk_key_secret', 'pw-secret', 't-secret']) {
      expect(all).not.toContain(secret);
    }
  });

  it('masks credential query parameters', () => {
    expect(loggableUrl('/ws/s1?token=abc&last_event_id=1-0')).toBe(
      '/ws/s1?token=[redacted]&last_event_id=1-0',
    );
    expect(loggableUrl('/x?api_key=k')).toBe('/x?api_key=[redacted]');
    expect(loggableUrl('/cb?code=abc&state=xyz')).toBe('/cb?code=[redacted]&state=[redacted]');
    expect(loggableUrl('/plain')).toBe('/plain');
    expect(loggableUrl('/f/abcDEF123?answer=approve')).toBe('/f/[redacted]?answer=approve');
  });
});
