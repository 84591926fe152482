import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMessage } from '@switchboard/contracts/notifications';
import { createLogger } from '@switchboard/runtime/logger';
import { startFakeHttpServer } from '@switchboard/testkit/fake-http-server';
import { freePort } from '@switchboard/testkit/free-port';
import { type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmailChannel, type EmailChannel, type EmailChannelOptions } from './email-channel.js';
import { emailMessageId, encodeIdempotencyKey } from './email-message-id.js';
import { listOutbox } from './email-outbox.js';
import { loadEmailTemplates } from './email-templates.js';
import { resolvedMessage } from './feedback-resolution.js';
import { channelTestConfig, expectChannelError, questionMessage } from './test-fixtures/channel-fixtures.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const templates = loadEmailTemplates();
const scratch = () => mkdtempSync(join(tmpdir(), 'sb-email-'));

const notice: OutgoingMessage = { subject: 'Order 1234 created', text: 'Customer created in PowerCode.' };
/** Markup in the question, to see it escaped in the HTML. */
const question: OutgoingMessage = {
  ...questionMessage,
  feedback: { ...questionMessage.feedback!, question: 'Drop table <b>orders_stg</b>?' },
};

function channelFor(env: Record<string, string>, extra: Partial<EmailChannelOptions> = {}): EmailChannel {
  const config = channelTestConfig(env);
  return createEmailChannel({ config, logger, templates, ...extra });
}

describe('idempotency keys in Message-IDs and file names', () => {
  it('are stable, and distinct keys stay distinct', () => {
    expect(emailMessageId('del-1.email')).toBe('<del-1.email@switchboard>');
    expect(emailMessageId('del-1:email')).toBe(emailMessageId('del-1:email'));
    expect(encodeIdempotencyKey('a:b')).toBe('a=3Ab');
    expect(encodeIdempotencyKey('a=3Ab')).not.toBe(encodeIdempotencyKey('a:b'));
    expect(encodeIdempotencyKey('é/')).toBe('=C3=A9=2F');
  });
});

describe('email channel over SMTP', () => {
  let sink: SmtpSink;
  let channel: EmailChannel;
  beforeEach(async () => {
    sink = await startSmtpSink();
    channel = channelFor({
      SMTP_HOST: sink.host,
      SMTP_PORT: String(sink.port),
      SMTP_FROM: 'ops@switchboard.example',
      HTTP_TIMEOUT_MS: '300',
    });
  });
  afterEach(async () => {
    await channel.close();
    await sink.close();
  });

  it('sends through the pool with the idempotency key as Message-ID', async () => {
    expect(channel.transport).toBe('smtp');
    expect(channel.canReach({ email: 'bob@x.io' })).toBe(true);
    expect(channel.canReach({ slack: 'U0BOB' })).toBe(false);
    const sent = await channel.send(notice, { email: 'bob@x.io' }, 'del-1.email');
    expect(sent.providerId).toBe('<del-1.email@switchboard>');
    const [mail] = await sink.waitForMessages(1);
    expect(mail).toMatchObject({
      envelope: { from: 'ops@switchboard.example', to: ['bob@x.io'] },
      messageId: '<del-1.email@switchboard>',
      subject: 'Order 1234 created',
    });
    expect(mail!.text).toContain('Customer created in PowerCode.');
    expect(mail!.html).toContain('Customer created in PowerCode.');
    expect(mail!.headers.get('auto-submitted')).toBe('auto-generated');

    // A retry of the same delivery is recognisable by its Message-ID.
    await channel.send(notice, { email: 'bob@x.io' }, 'del-1.email');
    await channel.send(notice, { email: 'bob@x.io' }, 'del-2.email');
    const byId = sink.deliveredByMessageId();
    expect(byId.get('<del-1.email@switchboard>')).toHaveLength(2);
    expect(byId.get('<del-2.email@switchboard>')).toHaveLength(1);
  });

  it('sends a question with its request id, and the answer as a reply in the same thread', async () => {
    const sent = await channel.send(question, { email: 'alice@x.io' }, 'fr-1.email');
    await channel.update(
      sent.ref,
      resolvedMessage(question, { status: 'answered', answer: 'approve', answered_by: 'bob', via: 'slack' }),
    );
    const [ask, answer] = await sink.waitForMessages(2);
    expect(ask!.headers.get('x-feedback-request-id')).toBe('fr-1');
    expect(ask!.html).toContain('Drop table &lt;b&gt;orders_stg&lt;/b&gt;?');
    expect(answer).toMatchObject({
      envelope: { to: ['alice@x.io'] },
      subject: 'Re: Your answer is needed',
      inReplyTo: '<fr-1.email@switchboard>',
      messageId: '<fr-1.email.update@switchboard>',
    });
    expect(answer!.headers.get('references')).toBe('<fr-1.email@switchboard>');
    expect(answer!.text).toContain('Answered by bob via Slack.');
    await expectChannelError(channel.update({ channel: 'D1', ts: '1.2' }, notice), true);
  });

  it('classifies a refused address (5xx) as permanent and a 4xx as transient', async () => {
    sink.failNext(1, 550, '5.1.1 No such user', 'rcpt');
    const refused = await expectChannelError(channel.send(notice, { email: 'nobody@x.io' }, 'k1'), true);
    expect(refused.message).toMatch(/550/);
    sink.failNext(1, 550, '5.7.1 Message rejected');
    await expectChannelError(channel.send(notice, { email: 'bob@x.io' }, 'k2'), true);
    sink.failNext(1, 451, '4.3.0 Try again later');
    await expectChannelError(channel.send(notice, { email: 'bob@x.io' }, 'k3'), false);
    await channel.send(notice, { email: 'bob@x.io' }, 'k4');
    expect(sink.messages.map((mail) => mail.messageId)).toEqual(['<k4@switchboard>']);
  });

  it('classifies a server that stops answering as transient, and recovers', async () => {
    sink.stall(1_000);
    const timedOut = await expectChannelError(channel.send(notice, { email: 'bob@x.io' }, 'slow'), false);
    expect(timedOut.message).toMatch(/ETIMEDOUT/);
    sink.stall(0);
    await channel.send(notice, { email: 'bob@x.io' }, 'fast');
    expect(sink.messages).toHaveLength(1);
  });

  it('reports health with a real SMTP handshake', async () => {
    expect(await channel.health()).toEqual({ ok: true, detail: `smtp ${sink.host}:${sink.port}` });
  });
});

describe('email channel without a reachable server', () => {
  it('is transient when the connection is refused, and unhealthy', async () => {
    const channel = channelFor({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(await freePort()) });
    await expectChannelError(channel.send(notice, { email: 'bob@x.io' }, 'k'), false);
    expect((await channel.health()).ok).toBe(false);
    await channel.close();
  });

  it('refuses a recipient without an address as permanent', async () => {
    const channel = channelFor({});
    await expectChannelError(channel.send(notice, { slack: 'U0BOB' }, 'k'), true);
  });
});

describe('email channel through a Gmail account (XOAUTH2)', () => {
  it('refreshes an expired access token at the token endpoint and logs in with the new one', async () => {
    const sink = await startSmtpSink({ auth: { user: 'me@gmail.com', accessToken: 'fresh-token' } });
    const google = await startFakeHttpServer({
      'POST /token': () => ({
        body: { access_token: 'fresh-token', expires_in: 3599, token_type: 'Bearer' },
      }),
    });
    const refreshed: string[] = [];
    const channel = channelFor(
      {
        GMAIL_CLIENT_ID: 'client-1',
        GMAIL_CLIENT_SECRET: 'secret-1',
        GMAIL_REDIRECT_URI: 'http://localhost:8080/api/channels/gmail/callback',
        SMTP_HOST: 'smtp.should-not-be-used.example',
      },
      {
        gmail: {
          user: 'me@gmail.com',
          refreshToken: 'refresh-1',
          accessToken: 'stale-token',
          expires: Date.now() - 1_000,
          onToken: (token) => refreshed.push(token.accessToken),
        },
        gmailEndpoints: {
          smtp: { host: sink.host, port: sink.port, secure: false },
          tokenUrl: `${google.url}/token`,
        },
      },
    );
    try {
      expect(channel.transport).toBe('gmail');
      await channel.send(notice, { email: 'bob@x.io' }, 'g1');
      const form = new URLSearchParams(google.requests[0]!.body);
      expect(Object.fromEntries(form)).toMatchObject({
        grant_type: 'refresh_token',
        refresh_token: 'refresh-1',
        client_id: 'client-1',
        client_secret: 'secret-1',
      });
      expect(sink.logins).toEqual(['XOAUTH2 me@gmail.com fresh-token']);
      expect(refreshed).toEqual(['fresh-token']);
      expect(sink.messages[0]!.envelope.from).toBe('me@gmail.com');
    } finally {
      await channel.close();
      await google.close();
      await sink.close();
    }
  });
});

describe('email channel with nothing configured: the outbox', () => {
  it('writes a parseable .eml once per idempotency key and lists the newest first', async () => {
    const dataDir = scratch();
    const channel = channelFor({ DATA_DIR: dataDir });
    expect(channel.transport).toBe('outbox');
    const outbox = join(dataDir, 'outbox');

    await channel.send(question, { email: 'alice@x.io' }, 'fr-1:email');
    await channel.send(question, { email: 'alice@x.io' }, 'fr-1:email');
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{9}Z-fr-1=3Aemail\.eml$/);

    const parsed = await simpleParser(readFileSync(join(outbox, files[0]!)));
    expect(parsed.messageId).toBe('<fr-1=3Aemail@switchboard>');
    expect(parsed.subject).toBe('Your answer is needed');
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Switchboard', address: 'switchboard@localhost' });
    expect(parsed.html).toContain('Drop table &lt;b&gt;orders_stg&lt;/b&gt;?');
    expect(parsed.text).toContain('- approve: https://sb.example/f/tok?answer=approve');

    await new Promise((resolve) => setTimeout(resolve, 5));
    await channel.send({ ...notice, subject: 'Ünïcode subject' }, { email: 'bob@x.io' }, 'n-2');
    const listed = await listOutbox(outbox, 10);
    expect(listed.map((entry) => [entry.to, entry.subject])).toEqual([
      ['bob@x.io', 'Ünïcode subject'],
      ['alice@x.io', 'Your answer is needed'],
    ]);
    expect(listed[0]!.size).toBeGreaterThan(100);
    expect(Date.parse(listed[0]!.date)).not.toBeNaN();
    expect(await listOutbox(outbox, 1)).toHaveLength(1);
    expect(await listOutbox(join(dataDir, 'missing'), 10)).toEqual([]);
    expect(await channel.health()).toEqual({ ok: true, detail: `outbox ${outbox}` });
  });

  it('writes the follow-up as a reply in the thread', async () => {
    const dataDir = scratch();
    const channel = channelFor({ DATA_DIR: dataDir });
    const sent = await channel.send(question, { email: 'alice@x.io' }, 'fr-2');
    await channel.update(sent.ref, resolvedMessage(question, { status: 'expired' }));
    const [reply] = await listOutbox(join(dataDir, 'outbox'), 1);
    expect(reply!.file).toMatch(/-fr-2\.update\.eml$/);
    const parsed = await simpleParser(readFileSync(join(dataDir, 'outbox', reply!.file)));
    expect(parsed.inReplyTo).toBe('<fr-2@switchboard>');
    expect(parsed.subject).toBe('Re: Your answer is needed');
    expect(parsed.text).toContain('Expired without an answer.');
  });

  it('is unhealthy and fails transiently when the outbox cannot be written', async () => {
    const channel = channelFor({ DATA_DIR: '/dev/null/not-a-dir' });
    expect((await channel.health()).ok).toBe(false);
    await expectChannelError(channel.send(notice, { email: 'bob@x.io' }, 'k'), false);
  });
});
