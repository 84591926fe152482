import { startFakeHttpServer } from '@switchboard/testkit/fake-http-server';
import { type FakeSlack, startFakeSlack } from '@switchboard/testkit/fake-slack';
import { freePort } from '@switchboard/testkit/free-port';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from './channel.js';
import { resolvedMessage } from './feedback-resolution.js';
import { createSlackChannel } from './slack-channel.js';
import { channelTestConfig, expectChannelError, questionMessage } from './test-fixtures/channel-fixtures.js';

function slackChannel(apiUrl: string, botToken: string, timeoutMs = 2_000): Channel {
  const config = channelTestConfig({ SLACK_API_URL: apiUrl, HTTP_TIMEOUT_MS: String(timeoutMs) });
  return createSlackChannel({ config, botToken });
}

describe('Slack channel', () => {
  let slack: FakeSlack;
  let channel: Channel;
  beforeEach(async () => {
    slack = await startFakeSlack();
    channel = slackChannel(slack.apiUrl, slack.token);
  });
  afterEach(() => slack.close());

  it('posts a question to the user with blocks and the idempotency key in metadata', async () => {
    expect(channel.canReach({ slack: 'U0ALICE' })).toBe(true);
    expect(channel.canReach({ email: 'a@x.io' })).toBe(false);
    const sent = await channel.send(questionMessage, { slack: 'U0ALICE' }, 'fr-1.slack');
    expect(sent).toEqual({
      providerId: `D0ALICE/${sent.ref.ts}`,
      ref: { channel: 'D0ALICE', ts: expect.stringMatching(/^\d+\.\d{6}$/) },
    });
    const [call] = slack.calls;
    expect(call).toMatchObject({
      method: 'chat.postMessage',
      body: {
        channel: 'U0ALICE',
        text: 'Your answer is needed: Drop table orders_stg?',
        metadata: {
          event_type: 'switchboard_notification',
          event_payload: { idempotency_key: 'fr-1.slack', request_id: 'fr-1' },
        },
      },
    });
    expect((call!.body.blocks as Array<{ type: string }>).map((block) => block.type)).toContain('actions');
    expect(slack.postedByIdempotencyKey().get('fr-1.slack')).toHaveLength(1);
  });

  it('edits the message in place to show the answer, buttons removed', async () => {
    const sent = await channel.send(questionMessage, { slack: 'C0OPS' }, 'fr-1.slack');
    await channel.update(
      sent.ref,
      resolvedMessage(questionMessage, {
        status: 'answered',
        answer: 'approve',
        answered_by: 'U0BOB',
        via: 'slack',
      }),
    );
    const message = slack.messages.get(sent.ref.ts!)!;
    expect(message.edits).toBe(1);
    expect(message.text).toBe('Answered by U0BOB via Slack: approve');
    const blocks = message.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks.map((block) => block.type)).not.toContain('actions');
    expect(blocks.at(-1)!.text!.text).toBe('✅ Answered by <@U0BOB> via Slack: *approve*');
    await expectChannelError(channel.update({ channel: 'C0OPS', ts: '1.000999' }, questionMessage), true);
    await expectChannelError(channel.update({ messageId: '<x@y>' }, questionMessage), true);
  });

  it('sends a plain notification as a section', async () => {
    await channel.send({ subject: 'Order 1234', text: 'Created' }, { slack: 'C0OPS' }, 'n-1');
    expect(slack.calls[0]!.body.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Order 1234*\nCreated' } },
    ]);
  });

  it('classifies Slack errors: channel_not_found permanent; internal_error, 500 and 429 transient', async () => {
    const to = { slack: 'U0ALICE' };
    slack.failNext(1, { error: 'channel_not_found' });
    expect((await expectChannelError(channel.send(questionMessage, to, 'k'), true)).message).toMatch(
      /channel_not_found/,
    );
    slack.failNext(1, { error: 'internal_error' });
    await expectChannelError(channel.send(questionMessage, to, 'k'), false);
    slack.failNext(1, { httpStatus: 500 });
    expect((await expectChannelError(channel.send(questionMessage, to, 'k'), false)).message).toMatch(
      /HTTP 500/,
    );
    slack.failNext(1, { httpStatus: 429, retryAfterS: 30 });
    expect((await expectChannelError(channel.send(questionMessage, to, 'k'), false)).message).toMatch(
      /retry after 30 s/,
    );
    slack.failNext(1, { error: 'ratelimited' });
    await expectChannelError(channel.send(questionMessage, to, 'k'), false);
    expect(slack.messages.size).toBe(0);
    await channel.send(questionMessage, to, 'k');
    expect(slack.postedByIdempotencyKey().get('k')).toHaveLength(1);
  });

  it('is permanent with a bad token, and reports it in health', async () => {
    const wrong = slackChannel(slack.apiUrl, 'xoxb-revoked');
    expect(
      (await expectChannelError(wrong.send(questionMessage, { slack: 'U0A' }, 'k'), true)).message,
    ).toMatch(/invalid_auth/);
    expect(await wrong.health()).toEqual({ ok: false, detail: 'Slack auth.test failed: invalid_auth' });
    expect(await channel.health()).toEqual({ ok: true, detail: 'Switchboard Fake as switchboard' });
  });
});

describe('Slack channel against a slow or absent API', () => {
  it('is transient when Slack does not answer in time or cannot be reached', async () => {
    const slow = await startFakeHttpServer({
      'POST /api/chat.postMessage': () => ({ delayMs: 1_000, body: { ok: true } }),
    });
    try {
      const channel = slackChannel(`${slow.url}/api/`, 'xoxb-t', 200);
      expect(
        (await expectChannelError(channel.send(questionMessage, { slack: 'U0A' }, 'k'), false)).message,
      ).toMatch(/within 200 ms/);
    } finally {
      await slow.close();
    }
    const gone = slackChannel(`http://127.0.0.1:${await freePort()}/api/`, 'xoxb-t');
    await expectChannelError(gone.send(questionMessage, { slack: 'U0A' }, 'k'), false);
  });
});
