import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';

describe('startFakeSlack', () => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await startFakeSlack();
  });
  afterEach(() => slack.close());

  const call = async (method: string, body: object, token = slack.token) => {
    const response = await fetch(`${slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const json = async (method: string, body: object, token?: string) =>
    JSON.parse((await call(method, body, token)).text) as Record<string, unknown>;

  it('checks the bearer token like Slack (HTTP 200, ok:false)', async () => {
    expect(await json('auth.test', {}, 'xoxb-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
    const anonymous = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(await json('auth.test', {})).toMatchObject({ ok: true, user_id: 'U0SWITCHBD' });
    expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']);
  });

  it('posts to a user as a DM, updates it, and groups posts by idempotency key', async () => {
    const metadata = { event_type: 'switchboard_notification', event_payload: { idempotency_key: 'k1' } };
    const posted = await json('chat.postMessage', { channel: 'U0ALICE', text: 'hi', metadata });
    expect(posted).toMatchObject({ ok: true, channel: 'D0ALICE', message: { text: 'hi' } });
    await json('chat.postMessage', { channel: 'U0ALICE', text: 'hi again', metadata });
    expect(slack.postedByIdempotencyKey().get('k1')).toHaveLength(2);

    const updated = await json('chat.update', {
      channel: posted.channel,
      ts: posted.ts,
      text: 'done',
      blocks: [],
    });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'done' });
    expect(slack.messages.get(posted.ts as string)).toMatchObject({ text: 'done', edits: 1 });
    expect(await json('chat.update', { channel: 'D0ALICE', ts: '1.000001', text: 'x' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(await json('chat.postMessage', { channel: 'not a channel', text: 'x' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
  });

  it('opens views', async () => {
    const opened = await json('views.open', { trigger_id: '1.2.abc', view: { type: 'modal' } });
    expect(opened).toMatchObject({ ok: true, view: { type: 'modal' } });
    expect(slack.views).toHaveLength(1);
  });

  it('fails the next calls as scripted: API error, 429 with Retry-After, 500', async () => {
    slack.failNext(1, { error: 'channel_not_found' });
    expect(await json('chat.postMessage', { channel: 'C1X', text: 'x' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    slack.failNext(1, { httpStatus: 429, retryAfterS: 3 });
    const limited = await call('auth.test', {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    slack.failNext(1, { httpStatus: 500 }, 'chat.update');
    expect((await call('auth.test', {})).status).toBe(200);
    expect((await call('chat.update', {})).status).toBe(500);
    expect(slack.messages.size).toBe(0);
  });
});
