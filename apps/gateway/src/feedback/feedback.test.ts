import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import { queues } from '@switchboard/contracts/queues';
import { buildApp as buildNotifications } from '@switchboard/notifications/app';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import { SessionEventLog } from '@switchboard/stores/session-events';
import { startFakeHttpServer } from '@switchboard/testkit/fake-http-server';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fake-slack';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildGateway } from '../app.js';

const signingSecret = 'slack-signing-secret-for-the-feedback-tests';
const settings = (sink: SmtpSink, slack: FakeSlack, dataDir: string) => ({
  JWT_SECRET: 'feedback-tests-secret-long-enough-for-hs256-0123456789',
  DATA_DIR: dataDir,
  SMTP_HOST: sink.host,
  SMTP_PORT: String(sink.port),
  SLACK_BOT_TOKEN: slack.token,
  SLACK_API_URL: slack.apiUrl,
  SLACK_SIGNING_SECRET: signingSecret,
  HTTP_TIMEOUT_MS: '2000',
  // Retries 50 ms apart, doubling: enough of them for a job to wait out another's retries.
  RETRY_MAX_ATTEMPTS: '8',
  RATE_LIMIT_PER_IP: '100000',
  RATE_LIMIT_PER_USER: '100000',
});

type UserEvent = { event: string; data: Record<string, unknown> };

/** A form body signed the way Slack signs it (computed here, not with the code under test). */
function signedSlackPost(
  url: string,
  payload: object,
  options: { timestamp?: number; secret?: string } = {},
) {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? signingSecret)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex')}`;
  return {
    method: 'POST' as const,
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    payload: body,
  };
}

let clicks = 0;
/** A button click as Slack reports it (`block_actions`), the button's value as the Slack channel sets it. */
function click(requestId: string, answer: string, user = 'U0ALICE', extra: object = {}) {
  clicks++;
  return {
    type: 'block_actions',
    user: { id: user, username: user === 'U0ALICE' ? 'alice.slack' : 'someone' },
    actions: [
      {
        type: 'button',
        action_id: 'answer_0',
        block_id: `feedback_${requestId}`,
        value: JSON.stringify({ request_id: requestId, answer }),
        action_ts: `${Date.now()}.${clicks}`,
      },
    ],
    ...extra,
  };
}

describe('human feedback requests over the web, email links and Slack', () => {
  let redis: PrivateRedis;
  let sink: SmtpSink;
  let slack: FakeSlack;
  let dataDir: string;
  let config: Config;
  let gateway: ServiceBase;
  let notifications: ServiceBase;
  let requests: FeedbackRequestStore;
  let deliveries: DeliveryStore;
  let alice: { token: string; id: string };
  let bob: { token: string; id: string };
  let expiring: FeedbackRequestRecord;
  const userEvents: UserEvent[] = [];

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });

  async function register(name: string): Promise<{ token: string; id: string }> {
    const created = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
    });
    expect(created.statusCode).toBe(201);
    const token = created.json().access_token as string;
    const me = await inject({ method: 'GET', url: '/api/auth/me', headers: as({ token }) });
    return { token, id: me.json().id };
  }

  async function ask(body: Record<string, unknown>): Promise<FeedbackRequestRecord> {
    const created = await inject({
      method: 'POST',
      url: '/api/feedback-requests',
      headers: as(alice),
      payload: body,
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json();
  }

  const current = async (id: string): Promise<FeedbackRequestRecord> =>
    (await inject({ method: 'GET', url: `/api/feedback-requests/${id}`, headers: as(alice) })).json();

  /** The question email sent for a request, once it arrives. */
  async function mailFor(id: string): Promise<ReceivedMail> {
    let found: ReceivedMail | undefined;
    await expect
      .poll(() => (found = sink.messages.find((mail) => !mail.inReplyTo && mail.text?.includes(id))), {
        timeout: 8_000,
      })
      .toBeDefined();
    return found!;
  }

  /** The token of the answer link in a question email. */
  const tokenIn = (mail: ReceivedMail) => /\/f\/([A-Za-z0-9_-]{48})/.exec(mail.text ?? '')![1]!;

  /** The Slack message posted for a request, once it is. */
  async function slackMessageFor(id: string) {
    const posted = () =>
      [...slack.messages.values()].find((message) => message.metadata?.event_payload?.request_id === id);
    await expect.poll(posted, { timeout: 8_000 }).toBeDefined();
    return posted()!;
  }

  const eventsAbout = (id: string, event: string) =>
    userEvents.filter((entry) => entry.event === event && entry.data.request_id === id);

  beforeAll(async () => {
    [redis, sink, slack, dataDir] = await Promise.all([
      startRedis(),
      startSmtpSink(),
      startFakeSlack(),
      mkdtemp(join(tmpdir(), 'sb-feedback-')),
    ]);
    config = loadConfig(testEnv(redis, settings(sink, slack, dataDir)));
    // One Redis and one key prefix: the gateway's jobs reach this notifications service.
    notifications = await buildNotifications(config);
    gateway = await buildGateway(config);
    await Promise.all([notifications.start(0), gateway.start(0)]);
    const keys = redisKeys(config.redis.prefix);
    const client = redis.client();
    requests = new FeedbackRequestStore(client, keys, new SessionEventLog(client, keys, 600));
    deliveries = new DeliveryStore(client, keys);

    await register('root'); // the first user is the admin; the others are plain users
    [alice, bob] = [await register('alice'), await register('bob')];
    const saved = await inject({
      method: 'PUT',
      url: '/api/channels/preferences',
      headers: as(alice),
      payload: { order: ['email', 'slack'], email: 'alice@example.com', slack_user_id: 'U0ALICE' },
    });
    expect(saved.statusCode).toBe(200);
    const listener = redis.client();
    listener.on('message', (_channel, message) => userEvents.push(JSON.parse(message)));
    await listener.subscribe(keys.channel(`user:${alice.id}`));
    // Asked first, checked last: its ten seconds run while the other tests do.
    expiring = await ask({ question: 'Rotate the API keys tonight?', expires_in: 10 });
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await notifications?.stop('test over');
    await Promise.all([sink?.close(), slack?.close()]);
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets exactly one of 50 concurrent answers over the web, Slack and the email link win', async () => {
    const record = await ask({ question: 'Ship release 42?', options: ['approve', 'reject'] });
    expect(record).toMatchObject({ status: 'pending', channels: ['email', 'slack'], strategy: 'broadcast' });
    const token = tokenIn(await mailFor(record.id));
    await slackMessageFor(record.id);

    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const answer = i % 2 === 0 ? 'approve' : 'reject';
        const via = (['web', 'slack', 'email'] as const)[i % 3]!;
        const response = await inject(
          via === 'web'
            ? {
                method: 'POST',
                url: `/api/feedback-requests/${record.id}/responses`,
                headers: as(alice),
                payload: { answer },
              }
            : via === 'slack'
              ? signedSlackPost('/api/channels/slack/interactivity', click(record.id, answer))
              : {
                  method: 'POST',
                  url: `/f/${token}`,
                  headers: { 'content-type': 'application/x-www-form-urlencoded' },
                  payload: `answer=${answer}`,
                },
        );
        return { via, status: response.statusCode, body: response.body };
      }),
    );

    expect(results.filter((r) => r.via === 'slack').map((r) => r.status)).toEqual(Array(17).fill(200));
    // Every Slack click is a job; all 50 answers are logged once they have run.
    await expect.poll(async () => (await requests.responses(record.id)).length, { timeout: 8_000 }).toBe(50);
    const log = await requests.responses(record.id);
    expect(log.filter((entry) => entry.accepted)).toHaveLength(1);
    expect(log.filter((entry) => entry.reason === 'already_answered')).toHaveLength(49);

    const { winner, status, decision } = await current(record.id);
    expect(status).toBe('answered');
    expect(decision).toBe(winner?.answer === 'approve' ? 'approved' : 'rejected');
    const overHttp = results.filter((r) => r.via !== 'slack');
    const httpWins = overHttp.filter((r) => r.status === 200);
    expect(httpWins).toHaveLength(winner?.channel === 'slack' ? 0 : 1);
    expect(overHttp.filter((r) => r.status === 409)).toHaveLength(overHttp.length - httpWins.length);
    const lateOnTheWeb = overHttp.find((r) => r.via === 'web' && r.status === 409)!;
    expect(JSON.parse(lateOnTheWeb.body)).toMatchObject({ code: 'SB_ALREADY_ANSWERED', details: { winner } });

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsAbout(record.id, 'feedback_resolved')).toHaveLength(1);
    expect(eventsAbout(record.id, 'feedback_resolved')[0]?.data).toMatchObject({
      winner,
      status: 'answered',
    });
    expect(eventsAbout(record.id, 'feedback_request')).toHaveLength(1);
  });

  it('broadcasts to email and Slack; a Slack answer from the linked user wins and every copy shows it', async () => {
    const record = await ask({ question: 'Deploy to production?' });
    expect(record.options).toEqual(['approve', 'reject']);
    const mail = await mailFor(record.id);
    const token = tokenIn(mail);
    const question = await slackMessageFor(record.id);
    expect(JSON.stringify(question.blocks)).toContain('"type":"actions"');

    // Someone else in the workspace cannot answer it, and is told so by Slack, privately.
    const responses = await startFakeHttpServer({ 'POST /respond': () => ({ body: { ok: true } }) });
    const stranger = click(record.id, 'approve', 'U0MALLORY', { response_url: `${responses.url}/respond` });
    expect((await inject(signedSlackPost('/interactions', stranger))).statusCode).toBe(200);
    await expect.poll(() => responses.requests.length, { timeout: 8_000 }).toBe(1);
    expect(responses.requests[0]?.json()).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'Only the person this request was sent to can answer it.',
    });
    await responses.close();
    expect((await requests.responses(record.id)).map((entry) => entry.reason)).toEqual(['not_allowed']);
    expect((await current(record.id)).status).toBe('pending');

    const clicked = await inject(
      signedSlackPost('/api/channels/slack/interactivity', click(record.id, 'Approve')),
    );
    expect(clicked.statusCode).toBe(200);
    expect(clicked.body).toBe('');
    await expect.poll(async () => (await current(record.id)).status, { timeout: 8_000 }).toBe('answered');
    expect(await current(record.id)).toMatchObject({
      decision: 'approved',
      winner: { answer: 'approve', channel: 'slack', responder_id: 'U0ALICE' },
    });

    const page = await inject({ method: 'GET', url: `/f/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('already answered by alice.slack via Slack');

    // The Slack message loses its buttons and names who answered; the email gets a follow-up in its thread.
    await expect.poll(() => slack.messages.get(question.ts)?.edits, { timeout: 8_000 }).toBe(1);
    const edited = JSON.stringify(slack.messages.get(question.ts)?.blocks);
    expect(edited).not.toContain('"type":"actions"');
    expect(edited).toContain('<@U0ALICE>');
    expect(
      slack.calls.filter((call) => call.method === 'chat.update' && call.body.ts === question.ts),
    ).toHaveLength(1);
    await expect
      .poll(() => sink.messages.find((m) => m.inReplyTo === mail.messageId), { timeout: 8_000 })
      .toBeDefined();
    expect(sink.messages.find((m) => m.inReplyTo === mail.messageId)?.text).toMatch(/Answered by/);
    const timeline = (await deliveries.timeline(record.id))?.map(
      (event) => `${event.status} ${event.channel ?? ''}`,
    );
    expect(timeline).toEqual(
      expect.arrayContaining([
        'queued ',
        'sent email',
        'sent slack',
        'answered slack',
        'updated slack',
        'updated email',
      ]),
    );
  });

  it('updates every copy even when the answer comes before the question is delivered', async () => {
    await slackMessageFor(expiring.id); // no other question is on its way to Slack
    // Slack is busy at first: the question reaches it on a retry, after the answer.
    slack.failNext(1, { error: 'ratelimited' }, 'chat.postMessage');
    const record = await ask({ question: 'Pause the nightly import?' });
    const answered = await inject({
      method: 'POST',
      url: `/api/feedback-requests/${record.id}/responses`,
      headers: as(alice),
      payload: { answer: 'reject' },
    });
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toMatchObject({ status: 'answered', decision: 'rejected' });
    const question = await slackMessageFor(record.id);
    await expect.poll(() => slack.messages.get(question.ts)?.edits, { timeout: 8_000 }).toBe(1);
    expect(slack.messages.get(question.ts)?.text).toMatch(/Answered by alice via the web page/);
    const mail = await mailFor(record.id);
    await expect
      .poll(() => sink.messages.find((m) => m.inReplyTo === mail.messageId), { timeout: 8_000 })
      .toBeDefined();
  });

  it('never answers on GET /f/:token; the form POST does, once, and the web route tells who won', async () => {
    const record = await ask({ question: 'Restart the billing worker?', channels: ['email'] });
    const token = tokenIn(await mailFor(record.id));

    for (let i = 0; i < 3; i++) {
      const page = await inject({ method: 'GET', url: `/f/${token}?answer=approve` });
      expect(page.statusCode, page.body).toBe(200);
      expect(page.body).toContain('Confirm: approve');
      expect(page.body).toContain('method="post"');
      expect(page.headers['cache-control']).toBe('no-store');
    }
    expect((await current(record.id)).status).toBe('pending');
    expect(await requests.responses(record.id)).toEqual([]);

    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const url of [`/f/${forged}`, '/f/not-a-token']) {
      const refused = await inject({ method: 'GET', url });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('SB_BAD_SIGNATURE');
    }
    const form = (answer: string) => ({
      method: 'POST' as const,
      url: `/f/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `answer=${encodeURIComponent(answer)}`,
    });
    expect((await inject(form('maybe'))).statusCode).toBe(400);
    const answered = await inject(form('approve'));
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toContain('was recorded');
    const again = await inject(form('reject'));
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already answered by alice@example.com via email');
    expect((await inject({ method: 'GET', url: `/f/${token}` })).body).toContain('already answered');

    const late = await inject({
      method: 'POST',
      url: `/api/feedback-requests/${record.id}/responses`,
      headers: as(alice),
      payload: { answer: 'reject' },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().details.winner).toMatchObject({ answer: 'approve', channel: 'email' });

    // Someone else's request is as unknown as a missing one; the owner finds it by status.
    for (const method of ['GET', 'POST'] as const) {
      const other = await inject({
        method,
        url: `/api/feedback-requests/${record.id}${method === 'POST' ? '/responses' : ''}`,
        headers: as(bob),
        ...(method === 'POST' ? { payload: { answer: 'approve' } } : {}),
      });
      expect(other.statusCode).toBe(404);
    }
    const list = await inject({
      method: 'GET',
      url: '/api/feedback-requests?status=answered',
      headers: as(alice),
    });
    expect(list.json().feedback_requests.map((r: FeedbackRequestRecord) => r.id)).toContain(record.id);
    const pending = await inject({
      method: 'GET',
      url: '/api/feedback-requests?status=pending',
      headers: as(alice),
    });
    expect(pending.json().feedback_requests.map((r: FeedbackRequestRecord) => r.id)).not.toContain(record.id);

    // Answered through the email link: no follow-up email to the person who just answered.
    await expect
      .poll(
        async () =>
          await notifications.producer(queues.notifications).queue.getJobState(`feedback-sync-${record.id}`),
        {
          timeout: 8_000,
        },
      )
      .toBe('completed');
    expect(sink.messages.filter((m) => m.text?.includes(record.id))).toHaveLength(1);
  });

  it('expires a request at its expiry: answers get 410, the requester hears it once, copies say so', async () => {
    const mail = await mailFor(expiring.id);
    const token = tokenIn(mail);
    const question = await slackMessageFor(expiring.id);
    const wait = Date.parse(expiring.expires_at) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));

    const late = await inject({
      method: 'POST',
      url: `/api/feedback-requests/${expiring.id}/responses`,
      headers: as(alice),
      payload: { answer: 'approve' },
    });
    expect(late.statusCode).toBe(410);
    expect(late.json().code).toBe('SB_EXPIRED');
    expect((await inject({ method: 'GET', url: `/f/${token}` })).statusCode).toBe(410);

    await expect.poll(() => eventsAbout(expiring.id, 'feedback_expired'), { timeout: 8_000 }).toHaveLength(1);
    await expect.poll(() => slack.messages.get(question.ts)?.edits, { timeout: 8_000 }).toBe(1);
    expect(slack.messages.get(question.ts)?.text).toMatch(/Expired/);
    await expect
      .poll(() => sink.messages.find((m) => m.inReplyTo === mail.messageId), { timeout: 8_000 })
      .toBeDefined();
    expect((await current(expiring.id)).status).toBe('expired');
    expect((await deliveries.timeline(expiring.id))?.map((event) => event.status)).toContain('expired');
    expect(eventsAbout(expiring.id, 'feedback_resolved')).toEqual([]);
  });
});

describe('Slack interactivity signatures', () => {
  let redis: PrivateRedis;
  let gateway: ServiceBase;
  let unconfigured: ServiceBase;
  let dataDir: string;

  beforeAll(async () => {
    [redis, dataDir] = await Promise.all([startRedis(), mkdtemp(join(tmpdir(), 'sb-slack-sig-'))]);
    const env = { DATA_DIR: dataDir, SLACK_SIGNING_SECRET: signingSecret, RATE_LIMIT_PER_IP: '100000' };
    // No notifications service runs here: the route must answer without waiting for any job.
    gateway = await buildGateway(loadConfig(testEnv(redis, env)));
    unconfigured = await buildGateway(loadConfig(testEnv(redis, { DATA_DIR: dataDir })));
  });
  afterAll(async () => {
    await Promise.all([gateway?.stop('test over'), unconfigured?.stop('test over')]);
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const payload = () => click('00000000-0000-4000-8000-000000000000', 'approve');
  const url = '/api/channels/slack/interactivity';

  it('refuses a wrong signature, a stale or future timestamp, a missing one and a replay with 401', async () => {
    const sixMinutes = 6 * 60;
    const now = Math.floor(Date.now() / 1000);
    const unsigned = signedSlackPost(url, payload());
    const refusals = [
      signedSlackPost(url, payload(), { secret: 'not-the-secret' }),
      signedSlackPost(url, payload(), { timestamp: now - sixMinutes }),
      signedSlackPost(url, payload(), { timestamp: now + sixMinutes }),
      { ...unsigned, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { ...unsigned, payload: `${unsigned.payload}&extra=1` },
    ];
    for (const request of refusals) {
      const response = await gateway.http.inject(request);
      expect(response.statusCode, request.payload).toBe(401);
      expect(response.json().code).toBe('SB_BAD_SIGNATURE');
    }

    const valid = signedSlackPost(url, payload());
    expect((await gateway.http.inject(valid)).statusCode).toBe(200);
    const replayed = await gateway.http.inject(valid);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().error).toMatch(/already received/);
  });

  it('acknowledges a valid request by queueing it, before any worker has run it', async () => {
    const queue = gateway.producer(queues.notifications).queue;
    const before = await queue.getJobCounts('waiting');
    for (const path of [url, '/interactions']) {
      const response = await gateway.http.inject(signedSlackPost(path, payload()));
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('');
    }
    const waiting = await queue.getJobs(['waiting']);
    expect(waiting.length).toBe((before.waiting ?? 0) + 2);
    expect(waiting.every((job) => job.name === 'slack_interaction')).toBe(true);

    const json = await gateway.http.inject({
      ...signedSlackPost(url, payload()),
      headers: { 'content-type': 'application/json' },
    });
    expect(json.statusCode).toBe(415);
  });

  it('answers 503 when no signing secret is configured', async () => {
    const response = await unconfigured.http.inject(signedSlackPost(url, payload()));
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('SB_UNAVAILABLE');
  });
});
