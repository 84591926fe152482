import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp as buildChat } from '@switchboard/chat/app';
import type { ChatMessage } from '@switchboard/contracts/chat';
import { buildApp as buildNotifications } from '@switchboard/notifications/app';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fake-slack';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildGateway } from '../app.js';

const signingSecret = 'slack-signing-secret-for-the-agent-tests';

/** A Slack button click, form-encoded and signed the way Slack signs it (computed here, not by the code under test). */
function signedClick(requestId: string, answer: string, user: string) {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: 'alice.slack' },
    actions: [
      {
        type: 'button',
        action_id: 'answer_0',
        block_id: `feedback_${requestId}`,
        value: JSON.stringify({ request_id: requestId, answer }),
        action_ts: `${Date.now()}.1`,
      },
    ],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    method: 'POST' as const,
    url: '/api/channels/slack/interactivity',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    payload: body,
  };
}

/**
 * Issue 6: the agent asks a human through the notifications service, the
 * answer comes from Slack, and the conversation goes on by itself — nobody
 * is connected to the session while it does.
 */
describe('agent waits for a human answer given over Slack, then continues', () => {
  const redisFixture = usePrivateRedis();
  let slack: FakeSlack;
  let dataDir: string;
  let gateway: ServiceBase;
  let chat: ServiceBase;
  let notifications: ServiceBase;
  let alice: { token: string };

  const inject = (options: InjectOptions) => gateway.http.inject(options);
  const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });

  async function register(name: string): Promise<{ token: string }> {
    const created = await inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
    });
    expect(created.statusCode).toBe(201);
    return { token: created.json().access_token as string };
  }

  async function messagesOf(sessionId: string): Promise<ChatMessage[]> {
    const session = await inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: as(alice) });
    expect(session.statusCode).toBe(200);
    return session.json().messages as ChatMessage[];
  }

  beforeAll(async () => {
    [slack, dataDir] = await Promise.all([startFakeSlack(), mkdtemp(join(tmpdir(), 'sb-agent-'))]);
    const config = loadConfig(
      testEnv(redisFixture.redis, {
        JWT_SECRET: 'agent-tests-secret-long-enough-for-hs256-0123456789',
        DATA_DIR: dataDir,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.apiUrl,
        SLACK_SIGNING_SECRET: signingSecret,
        RETRY_MAX_ATTEMPTS: '8',
        RATE_LIMIT_PER_IP: '100000',
        RATE_LIMIT_PER_USER: '100000',
        RATE_LIMIT_PER_SESSION: '100000',
      }),
    );
    [notifications, chat, gateway] = await Promise.all([
      buildNotifications(config),
      buildChat(config),
      buildGateway(config),
    ]);
    await register('root'); // the first user is the admin
    alice = await register('alice');
    const saved = await inject({
      method: 'PUT',
      url: '/api/channels/preferences',
      headers: as(alice),
      payload: { order: ['slack'], slack_user_id: 'U0ALICE' },
    });
    expect(saved.statusCode).toBe(200);
  });
  afterAll(async () => {
    await gateway?.stop('test over');
    await chat?.stop('test over');
    await notifications?.stop('test over');
    await slack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('asks over Slack, says it waits, and answers on once Alice approves with the button', async () => {
    const opened = await inject({
      method: 'POST',
      url: '/api/sessions',
      headers: as(alice),
      payload: { assistant: 'agent' },
    });
    expect(opened.statusCode).toBe(201);
    const sessionId = opened.json().session_id as string;

    const turn = await inject({
      method: 'POST',
      url: '/api/chat',
      headers: as(alice),
      payload: { session_id: sessionId, message: 'Please drop the staging orders table.' },
    });
    expect(turn.statusCode, turn.body).toBe(200);
    const requestId = turn.json().awaiting_feedback?.request_id as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(turn.json().response).toMatch(/human decision/);

    // The question reached Alice's Slack, with buttons.
    const posted = () =>
      [...slack.messages.values()].find(
        (message) => message.metadata?.event_payload?.request_id === requestId,
      );
    await expect.poll(posted, { timeout: 8_000 }).toBeDefined();
    const pending = await inject({
      method: 'GET',
      url: `/api/feedback-requests/${requestId}`,
      headers: as(alice),
    });
    expect(pending.json()).toMatchObject({ status: 'pending', session_id: sessionId });
    // Nothing goes on while nobody has answered.
    expect((await messagesOf(sessionId)).map((message) => message.role)).toEqual(['user', 'assistant']);

    const clicked = await inject(signedClick(requestId, 'approve', 'U0ALICE'));
    expect(clicked.statusCode).toBe(200);

    // The agent continues on its own: a third message, after the waiting one, built on the approval.
    await expect.poll(async () => (await messagesOf(sessionId)).length, { timeout: 10_000 }).toBe(3);
    const [asked, waiting, continued] = await messagesOf(sessionId);
    expect(asked).toMatchObject({ role: 'user', content: 'Please drop the staging orders table.' });
    expect(waiting).toMatchObject({ role: 'assistant', feedback_request_id: requestId });
    expect(continued?.role).toBe('assistant');
    expect(continued?.turn_id).toBe(`resume:${requestId}`);
    expect(continued?.content).toMatch(/approv/i);
    const answered = await inject({
      method: 'GET',
      url: `/api/feedback-requests/${requestId}`,
      headers: as(alice),
    });
    expect(answered.json()).toMatchObject({
      status: 'answered',
      decision: 'approved',
      winner: { channel: 'slack' },
    });

    // The stream of the session tells the whole story in order, for a client that comes back later.
    const events = await inject({
      method: 'GET',
      url: `/api/sessions/${sessionId}/events?last_event_id=0-0`,
      headers: as(alice),
      payloadAsStream: true,
    });
    const names: string[] = [];
    const body = events.stream();
    body.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/^event: (\w+)$/gm)) names.push(match[1]!);
    });
    await expect.poll(() => names.filter((name) => name === 'done').length, { timeout: 5_000 }).toBe(2);
    body.destroy();
    expect(names.indexOf('feedback_requested')).toBeGreaterThan(-1);
    expect(names.indexOf('feedback_resolved')).toBeGreaterThan(names.indexOf('feedback_requested'));
    expect(names.lastIndexOf('message')).toBeGreaterThan(names.indexOf('feedback_resolved'));
  });

  it('tells an anonymous session’s agent there is nobody to ask, and it does not act', async () => {
    const opened = await inject({ method: 'POST', url: '/api/sessions', payload: { assistant: 'agent' } });
    const { session_id: sessionId, session_token: token } = opened.json();
    const turn = await inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: `Bearer ${token}` },
      payload: { session_id: sessionId, message: 'Delete the production backups now.' },
    });
    expect(turn.statusCode, turn.body).toBe(200);
    expect(turn.json().awaiting_feedback).toBeUndefined();
    expect(turn.json().response).toMatch(/could not ask|nobody|will not/i);
  });
});
