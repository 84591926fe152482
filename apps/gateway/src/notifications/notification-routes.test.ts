import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryEvent } from '@switchboard/contracts/notifications';
import { buildApp as buildNotifications } from '@switchboard/notifications/app';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fake-slack';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildGateway } from '../app.js';

const adminKey = 'notifications-admin-key-0123456789';
const admin = { 'x-api-key': adminKey };
const allowlisted = 'ops@example.com';

describe('notifications through the gateway and the notifications service', () => {
  let redis: PrivateRedis;
  let sink: SmtpSink;
  let slack: FakeSlack;
  let dataDir: string;
  let gateway: ServiceBase;
  let notifications: ServiceBase;
  let subjects = 0;

  beforeAll(async () => {
    [redis, sink, slack, dataDir] = await Promise.all([
      startRedis(),
      startSmtpSink(),
      startFakeSlack(),
      mkdtemp(join(tmpdir(), 'sb-notify-')),
    ]);
    const config = loadConfig(
      testEnv(redis, {
        ADMIN_API_KEY: adminKey,
        DATA_DIR: dataDir,
        SMTP_HOST: sink.host,
        SMTP_PORT: String(sink.port),
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        TEST_EMAIL: allowlisted,
        BREAKER_THRESHOLD: '2',
        BREAKER_OPEN_S: '1',
        // Generous: /test/smtp waits twice this, and a first send under a loaded CI machine is slow.
        HTTP_TIMEOUT_MS: '8000',
        RATE_LIMIT_PER_IP: '100000',
        RATE_LIMIT_PER_USER: '100000',
      }),
    );
    // One Redis and one key prefix: the gateway's jobs reach this notifications service.
    notifications = await buildNotifications(config);
    gateway = await buildGateway(config);
    await Promise.all([notifications.start(0), gateway.start(0)]);
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await notifications?.stop('test over');
    await Promise.all([sink?.close(), slack?.close()]);
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const uniqueSubject = () => `Order ${++subjects} created`;
  const mailsAbout = (subject: string) => sink.messages.filter((mail) => mail.subject === subject);

  async function notify(body: Record<string, unknown>, headers: Record<string, string> = admin) {
    return inject({ method: 'POST', url: '/api/notifications', headers, payload: body });
  }

  async function timeline(id: string): Promise<string[]> {
    const response = await inject({ method: 'GET', url: `/api/deliveries?request_id=${id}`, headers: admin });
    expect(response.statusCode).toBe(200);
    const events = response.json().events as DeliveryEvent[];
    return events.map(
      (event) =>
        `${event.status}${event.channel ? ` ${event.channel}` : ''}${event.reason ? ` (${event.reason})` : ''}`,
    );
  }

  /** The timeline once its last line matches `done`. */
  async function settled(id: string, done: RegExp): Promise<string[]> {
    await expect
      .poll(async () => (await timeline(id)).at(-1), { timeout: 8_000, interval: 50 })
      .toMatch(done);
    return timeline(id);
  }

  async function channelStates(): Promise<Record<string, { state: string; consecutive_failures: number }>> {
    const response = await inject({ method: 'GET', url: '/api/channels', headers: admin });
    expect(response.statusCode).toBe(200);
    return Object.fromEntries(
      (
        response.json().channels as Array<{ channel: string; state: string; consecutive_failures: number }>
      ).map((health) => [health.channel, health]),
    );
  }

  async function apiKey(scopes: string[]): Promise<Record<string, string>> {
    const response = await inject({
      method: 'POST',
      url: '/api/admin/api-keys',
      headers: admin,
      payload: { name: `key-${scopes.join('-')}`, scopes },
    });
    expect(response.statusCode).toBe(201);
    return { 'x-api-key': response.json().key };
  }

  it('needs the notify scope, and sends one message however often a request is repeated', async () => {
    const subject = uniqueSubject();
    const body = {
      channels: ['email'],
      to: { email: 'alice@example.com' },
      subject,
      text: 'Customer created in PowerCode.',
      idempotency_key: `order-${subjects}`,
    };
    expect((await notify(body, {})).statusCode).toBe(401);
    const reader = await notify(body, await apiKey(['read']));
    expect(reader.statusCode).toBe(403);
    expect(reader.json().code).toBe('SB_FORBIDDEN');

    const notifier = await apiKey(['notify']);
    const first = await notify(body, notifier);
    expect(first.statusCode).toBe(202);
    const deliveryId = first.json().delivery_id as string;
    const repeats = await Promise.all([
      notify(body, notifier),
      notify({ ...body, to: { ...body.to } }, notifier),
    ]);
    expect(repeats.map((response) => response.json().delivery_id)).toEqual([deliveryId, deliveryId]);

    expect(await settled(deliveryId, /^sent email/)).toEqual(['queued', 'sending email', 'sent email']);
    const changed = await notify({ ...body, text: 'Something else' }, notifier);
    expect(changed.statusCode).toBe(409);
    expect(changed.json().code).toBe('SB_CONFLICT');
    await notify(body, notifier);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mailsAbout(subject)).toHaveLength(1);
    expect(mailsAbout(subject)[0]?.envelope.to).toEqual(['alice@example.com']);
  });

  it('refuses a message no chosen channel can address, and answers 404 for an unknown delivery', async () => {
    const unaddressed = await notify({
      channels: ['slack'],
      to: { email: 'a@example.com' },
      subject: 's',
      text: 't',
    });
    expect(unaddressed.statusCode).toBe(400);
    expect(unaddressed.json().error).toMatch(/no address/);
    // Valid JSON that no encoder could queue: refused, not a 500.
    const deep = await inject({
      method: 'POST',
      url: '/api/notifications',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: `{"channels":["email"],"to":{"email":"a@example.com"},"subject":"s","text":"t","data":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error).toMatch(/nested deeper/);
    const unknown = await inject({
      method: 'GET',
      url: '/api/deliveries?request_id=dl_nope',
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/api/deliveries?request_id=dl_nope' })).statusCode).toBe(401);
  });

  it('falls back to Slack when the mail server refuses, and says so in the timeline', async () => {
    sink.failNext(1, 550, '5.1.1 Mailbox unavailable');
    const subject = uniqueSubject();
    const accepted = await notify({
      channels: ['email', 'slack'],
      strategy: 'fallback',
      to: { email: 'alice@example.com', slack: 'U0ALICE' },
      subject,
      text: 'Customer created.',
    });
    expect(accepted.statusCode).toBe(202);
    const id = accepted.json().delivery_id as string;

    const lines = await settled(id, /^sent slack/);
    expect(lines).toEqual([
      'queued',
      'sending email',
      expect.stringMatching(/^failed email \(.*550.*\)$/),
      expect.stringMatching(/^fell_back slack \(email: .*550/),
      'sending slack',
      'sent slack',
    ]);
    expect(mailsAbout(subject)).toHaveLength(0);
    expect(slack.postedByIdempotencyKey().get(`${id}:slack`)).toHaveLength(1);
  });

  it('opens the email circuit after repeated failures, skips it without trying, and closes it after a good probe', async () => {
    const send = async (channels: string[]) => {
      const accepted = await notify({
        channels,
        to: { email: 'alice@example.com', slack: 'U0ALICE' },
        subject: uniqueSubject(),
        text: 'Circuit test.',
      });
      const id = accepted.json().delivery_id as string;
      return { id, lines: await settled(id, /^sent /) };
    };
    // A success first, so earlier failures do not count towards this test's.
    await send(['email']);
    expect((await channelStates()).email).toMatchObject({ state: 'closed', consecutive_failures: 0 });

    sink.failNext(2, 451, '4.3.0 Try again later');
    for (let i = 0; i < 2; i++) {
      expect((await send(['email', 'slack'])).lines).toContain('sent slack');
    }
    expect((await channelStates()).email).toMatchObject({ state: 'open', consecutive_failures: 2 });

    const received = sink.messages.length;
    const skipped = await send(['email', 'slack']);
    expect(skipped.lines).toEqual([
      'queued',
      'skipped email (circuit open)',
      'fell_back slack (email: circuit open)',
      'sending slack',
      'sent slack',
    ]);
    expect(sink.messages).toHaveLength(received);

    await expect.poll(async () => (await channelStates()).email?.state, { timeout: 3_000 }).toBe('half_open');
    const probe = await send(['email']);
    expect(probe.lines).toEqual(['queued', 'sending email', 'sent email']);
    expect((await channelStates()).email).toMatchObject({ state: 'closed', consecutive_failures: 0 });

    const channels = await inject({ method: 'GET', url: '/api/channels', headers: admin });
    expect(channels.json().channels).toEqual([
      expect.objectContaining({
        channel: 'email',
        configured: true,
        last_error: expect.stringMatching(/451/),
      }),
      expect.objectContaining({ channel: 'slack', configured: true, state: 'closed', success_rate: 1 }),
      expect.objectContaining({ channel: 'webhook', configured: false }),
    ]);
    expect((await inject({ method: 'GET', url: '/api/channels' })).statusCode).toBe(401);
  });

  it('broadcasts to email and Slack, each getting exactly one message', async () => {
    const subject = uniqueSubject();
    const accepted = await notify({
      channels: ['email', 'slack'],
      strategy: 'broadcast',
      to: { email: 'alice@example.com', slack: 'U0ALICE' },
      subject,
      text: 'To everyone.',
    });
    const id = accepted.json().delivery_id as string;
    await expect
      .poll(async () => (await timeline(id)).filter((line) => line.startsWith('sent')).sort(), {
        timeout: 8_000,
      })
      .toEqual(['sent email', 'sent slack']);
    expect(mailsAbout(subject)).toHaveLength(1);
    expect(slack.postedByIdempotencyKey().get(`${id}:slack`)).toHaveLength(1);
  });

  it('sends a test email only to the allowlist', async () => {
    const before = sink.messages.length;
    const stranger = await inject({
      method: 'POST',
      url: '/api/test/smtp',
      headers: admin,
      payload: { test_email: 'stranger@example.net' },
    });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().code).toBe('SB_FORBIDDEN');
    expect((await inject({ method: 'POST', url: '/test/smtp', payload: {} })).statusCode).toBe(401);

    const sent = await inject({
      method: 'POST',
      url: '/test/smtp',
      headers: admin,
      payload: { test_email: allowlisted },
    });
    expect(sent.statusCode).toBe(200);
    const body = sent.json();
    expect(body).toMatchObject({ success: true, transport: 'smtp', test_email_sent: true });
    expect(body.config).toEqual({ host: sink.host, port: sink.port, user: null, secure: false });
    expect(sink.messages).toHaveLength(before + 1);
    expect(sink.messages.at(-1)).toMatchObject({
      messageId: body.message_id,
      envelope: { to: [allowlisted] },
    });

    // No body: the test address itself.
    const defaulted = await inject({ method: 'POST', url: '/api/test/smtp', headers: admin });
    expect(defaulted.statusCode).toBe(200);
    expect(sink.messages).toHaveLength(before + 2);
  });

  it('reports a refused test email as an upstream failure', async () => {
    sink.failNext(1, 554, '5.7.1 Rejected');
    const refused = await inject({ method: 'POST', url: '/test/smtp', headers: admin });
    expect(refused.statusCode).toBe(502);
    expect(refused.json()).toMatchObject({
      code: 'SB_UPSTREAM',
      error: expect.stringMatching(/554|Rejected/),
    });
  });

  it('lists the outbox newest first, for admins', async () => {
    const outbox = join(dataDir, 'outbox');
    await mkdir(outbox, { recursive: true });
    await writeFile(join(outbox, '20260102T100000000Z-dl_a=3Aemail.eml'), 'Subject: a\r\n\r\nA');
    await writeFile(join(outbox, '20260102T110000000Z-dl_b=3Aemail.eml'), 'Subject: b\r\n\r\nB');
    await writeFile(join(outbox, 'notes.txt'), 'not mail');
    const listed = await inject({ method: 'GET', url: '/api/admin/outbox?limit=5', headers: admin });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().entries.map((entry: { file: string }) => entry.file)).toEqual([
      '20260102T110000000Z-dl_b=3Aemail.eml',
      '20260102T100000000Z-dl_a=3Aemail.eml',
    ]);
    expect(listed.json().entries.map((entry: { subject: string }) => entry.subject)).toEqual(['b', 'a']);
    const notifier = await apiKey(['notify']);
    expect((await inject({ method: 'GET', url: '/api/admin/outbox', headers: notifier })).statusCode).toBe(
      403,
    );
  });
});
