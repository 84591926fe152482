import type { DeliverPayload } from '@switchboard/contracts/notifications';
import { queues } from '@switchboard/contracts/queues';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import { QueueProducer } from '@switchboard/runtime/queue-producer';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { createTokenCipher } from '@switchboard/runtime/token-cipher';
import { ChannelConnectionStore } from '@switchboard/stores/channel-connections';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { type FakeHttpServer, startFakeHttpServer } from '@switchboard/testkit/fake-http-server';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import { Redis } from 'ioredis';
import type { AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { emailMessageId } from './email-message-id.js';

/*
 * Email sent for a user goes out through the Gmail account they connected: real nodemailer logs
 * in with XOAUTH2 at a sink standing in for smtp.gmail.com, and refreshes an expired access token
 * at a fake token endpoint. Everything else goes through the shared SMTP server.
 */

const aliceGmail = 'alice.mailbox@gmail.example';

const fromOf = (mail: ReceivedMail) => (mail.headers.get('from') as AddressObject).value[0]?.address;

describe('email sent for a user with a connected Gmail account', () => {
  let redis: PrivateRedis;
  let shared: SmtpSink;
  let gmail: SmtpSink;
  let google: FakeHttpServer;
  let config: Config;
  let service: ServiceBase;
  let producer: QueueProducer<typeof queues.notifications>;
  let deliveries: DeliveryStore;
  let connections: ChannelConnectionStore;

  beforeAll(async () => {
    [redis, shared, gmail, google] = await Promise.all([
      startRedis(),
      startSmtpSink(),
      startSmtpSink({ auth: { user: aliceGmail, accessToken: 'fresh-token' } }),
      startFakeHttpServer({
        'POST /token': () => ({
          body: { access_token: 'fresh-token', expires_in: 3599, token_type: 'Bearer' },
        }),
      }),
    ]);
    config = loadConfig(
      testEnv(redis, {
        SMTP_HOST: shared.host,
        SMTP_PORT: String(shared.port),
        SMTP_FROM: 'ops@switchboard.example',
        GMAIL_CLIENT_ID: 'client-1',
        GMAIL_CLIENT_SECRET: 'secret-1',
        GMAIL_REDIRECT_URI: 'http://localhost:8080/api/channels/gmail/callback',
        HTTP_TIMEOUT_MS: '2000',
      }),
    );
    service = await buildApp(config, {
      gmailEndpoints: {
        smtp: { host: gmail.host, port: gmail.port, secure: false },
        tokenUrl: `${google.url}/token`,
      },
    });
    const keys = redisKeys(config.redis.prefix);
    deliveries = new DeliveryStore(redis.client(), keys);
    // The same key the service resolves: ENCRYPTION_KEY unset, one DATA_DIR.
    connections = new ChannelConnectionStore(redis.client(), keys, await createTokenCipher(config));
    producer = new QueueProducer(queues.notifications, {
      connection: redis.client(),
      openBlocking: () => new Redis(redis.url, { maxRetriesPerRequest: null }),
      queuePrefix: keys.queuePrefix,
      retry: config.retry,
    });
  });
  afterAll(async () => {
    await producer?.close();
    await service?.stop('test over');
    await Promise.all([shared?.close(), gmail?.close(), google?.close()]);
    await redis?.stop();
  });

  async function deliver(subject: string, sender?: string): Promise<string> {
    const { deliveryId } = await deliveries.accept();
    const payload: DeliverPayload = {
      delivery_id: deliveryId,
      message: { subject, text: 'Sent for someone.' },
      channels: ['email'],
      strategy: 'fallback',
      to: { email: 'bob@example.com' },
      ...(sender === undefined ? {} : { sender_user_id: sender }),
    };
    const job = await producer.add('deliver', payload, {
      requestId: `r-${deliveryId}`,
      jobId: `deliver-${deliveryId}`,
    });
    expect(await producer.waitFor(job, 10_000)).toEqual({ delivered: ['email'], failed: [] });
    return deliveryId;
  }

  const connectAlice = (accessToken: string, expiresAt: Date) =>
    connections.save('alice', 'gmail', {
      access_token: accessToken,
      refresh_token: 'refresh-1',
      expires_at: expiresAt.toISOString(),
      scope: 'https://mail.google.com/',
      extra: { email: aliceGmail },
    });

  it('sends as the user through XOAUTH2, with the usual Message-ID', async () => {
    await connectAlice('fresh-token', new Date(Date.now() + 3_600_000));
    const id = await deliver('From Alice', 'alice');
    const [mail] = await gmail.waitForMessages(1);
    expect(gmail.logins).toEqual([`XOAUTH2 ${aliceGmail} fresh-token`]);
    expect(mail!.envelope).toEqual({ from: aliceGmail, to: ['bob@example.com'] });
    expect(fromOf(mail!)).toBe(aliceGmail);
    expect(mail!.messageId).toBe(emailMessageId(`${id}:email`));
    expect(google.requests).toHaveLength(0);
    expect(shared.messages).toHaveLength(0);
  });

  it('uses the shared SMTP server for machine callers and users without a connection', async () => {
    const before = gmail.messages.length;
    await deliver('From a machine');
    await deliver('From Carol', 'carol');
    const mails = await shared.waitForMessages(2);
    expect(mails.map((mail) => [mail.subject, fromOf(mail)])).toEqual([
      ['From a machine', 'ops@switchboard.example'],
      ['From Carol', 'ops@switchboard.example'],
    ]);
    expect(gmail.messages).toHaveLength(before);
  });

  it('refreshes an expired access token and saves the new one', async () => {
    await connectAlice('stale-token', new Date(Date.now() - 60_000));
    const before = gmail.messages.length;
    await deliver('Refreshed', 'alice');
    expect(gmail.messages.slice(before).map((mail) => mail.subject)).toEqual(['Refreshed']);
    expect(Object.fromEntries(new URLSearchParams(google.requests.at(-1)!.body))).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      client_id: 'client-1',
      client_secret: 'secret-1',
    });
    const saved = await connections.get('alice', 'gmail');
    expect(saved).toMatchObject({
      access_token: 'fresh-token',
      refresh_token: 'refresh-1',
      scope: 'https://mail.google.com/',
      extra: { email: aliceGmail },
    });
    expect(Date.parse(saved!.expires_at!)).toBeGreaterThan(Date.now() + 3_000_000);
  });
});
