import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp as buildNotifications } from '@switchboard/notifications/app';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { createTokenCipher } from '@switchboard/runtime/token-cipher';
import { ChannelConnectionStore } from '@switchboard/stores/channel-connections';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildGateway } from '../app.js';

/*
 * A feedback request is sent for its requester: when they connected Gmail, the question leaves
 * from their own mailbox (XOAUTH2 at a sink standing in for smtp.gmail.com); otherwise through
 * the shared SMTP server.
 */

const aliceGmail = 'alice.mailbox@gmail.example';

/** The From address, as mailparser parsed the header (an address object). */
const fromOf = (mail: ReceivedMail) =>
  (mail.headers.get('from') as { value: Array<{ address?: string }> }).value[0]?.address;

describe('feedback requests sent through the requester’s Gmail account', () => {
  let redis: PrivateRedis;
  let shared: SmtpSink;
  let gmail: SmtpSink;
  let dataDir: string;
  let config: Config;
  let gateway: ServiceBase;
  let notifications: ServiceBase;

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  async function register(name: string): Promise<{ token: string; id: string }> {
    const created = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
    });
    expect(created.statusCode).toBe(201);
    const token = created.json().access_token as string;
    const me = await inject({ method: 'GET', url: '/api/auth/me', headers: as(token) });
    return { token, id: me.json().id };
  }

  async function ask(token: string, question: string): Promise<string> {
    const created = await inject({
      method: 'POST',
      url: '/api/feedback-requests',
      headers: as(token),
      payload: { question, channels: ['email'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json().id;
  }

  async function mailIn(sink: SmtpSink, requestId: string): Promise<ReceivedMail> {
    const find = () => sink.messages.find((mail) => mail.text?.includes(requestId));
    await expect.poll(find, { timeout: 8_000 }).toBeDefined();
    return find()!;
  }

  beforeAll(async () => {
    [redis, shared, gmail, dataDir] = await Promise.all([
      startRedis(),
      startSmtpSink(),
      startSmtpSink({ auth: { user: aliceGmail, accessToken: 'alice-access' } }),
      mkdtemp(join(tmpdir(), 'sb-feedback-gmail-')),
    ]);
    config = loadConfig(
      testEnv(redis, {
        JWT_SECRET: 'feedback-gmail-tests-secret-long-enough-for-hs256-0123456789',
        DATA_DIR: dataDir,
        SMTP_HOST: shared.host,
        SMTP_PORT: String(shared.port),
        SMTP_FROM: 'ops@switchboard.example',
        GMAIL_CLIENT_ID: 'client-1',
        GMAIL_CLIENT_SECRET: 'secret-1',
        GMAIL_REDIRECT_URI: 'http://localhost:8080/api/channels/gmail/callback',
        HTTP_TIMEOUT_MS: '2000',
        RATE_LIMIT_PER_IP: '100000',
        RATE_LIMIT_PER_USER: '100000',
      }),
    );
    // The token endpoint is never reached: the stored access token is still good.
    notifications = await buildNotifications(config, {
      gmailEndpoints: {
        smtp: { host: gmail.host, port: gmail.port, secure: false },
        tokenUrl: 'http://127.0.0.1:9/token',
      },
    });
    gateway = await buildGateway(config);
    await Promise.all([notifications.start(0), gateway.start(0)]);
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await notifications?.stop('test over');
    await Promise.all([shared?.close(), gmail?.close()]);
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('sends a connected requester’s question as them, and anyone else’s through the shared server', async () => {
    await register('root'); // the first user is the admin
    const [alice, bob] = [await register('alice'), await register('bob')];
    // As the Gmail connect callback stores it, with the key both services find under DATA_DIR.
    const connections = new ChannelConnectionStore(
      redis.client(),
      redisKeys(config.redis.prefix),
      await createTokenCipher(config),
    );
    await connections.save(alice.id, 'gmail', {
      access_token: 'alice-access',
      refresh_token: 'alice-refresh',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      extra: { email: aliceGmail },
    });

    const fromAlice = await mailIn(gmail, await ask(alice.token, 'Ship release 42?'));
    expect(gmail.logins).toEqual([`XOAUTH2 ${aliceGmail} alice-access`]);
    expect(fromAlice.envelope).toEqual({ from: aliceGmail, to: ['alice@example.com'] });
    expect(fromOf(fromAlice)).toBe(aliceGmail);

    const fromBob = await mailIn(shared, await ask(bob.token, 'Rotate the keys?'));
    expect(fromOf(fromBob)).toBe('ops@switchboard.example');
    expect(gmail.messages).toHaveLength(1);
    expect(shared.messages).toHaveLength(1);
  });
});
