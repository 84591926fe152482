import {
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from '@switchboard/testkit/fake-http-server';
import { freePort } from '@switchboard/testkit/free-port';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from './channel.js';
import { resolvedMessage } from './feedback-resolution.js';
import { channelTestConfig, expectChannelError, questionMessage } from './test-fixtures/channel-fixtures.js';
import { createWebhookChannel } from './webhook-channel.js';
import { webhookHeaders } from './webhook-signature.js';

const secret = `whsec_${Buffer.from('a 32-byte signing key for tests!').toString('base64')}`;

function webhookChannel(timeoutMs = 2_000): Channel {
  const config = channelTestConfig({ WEBHOOK_SECRET: secret, HTTP_TIMEOUT_MS: String(timeoutMs) });
  return createWebhookChannel({ config, secret });
}

/** What a receiver does: check the signature with the reference library, then read the event. */
function verified(request: RecordedRequest): {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
} {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as never;
}

describe('webhook channel', () => {
  let receiver: FakeHttpServer;
  let channel: Channel;
  beforeEach(async () => {
    receiver = await startFakeHttpServer({ 'POST /hook': () => ({ status: 204 }) });
    channel = webhookChannel();
  });
  afterEach(() => receiver.close());

  it('signs each event the Standard Webhooks way, with the idempotency key as webhook-id', async () => {
    const to = { webhook_url: `${receiver.url}/hook` };
    expect(channel.canReach(to)).toBe(true);
    expect(channel.canReach({ email: 'a@x.io' })).toBe(false);
    const sent = await channel.send(questionMessage, to, 'fr-1.webhook');
    expect(sent).toEqual({ providerId: 'fr-1.webhook', ref: { url: to.webhook_url, id: 'fr-1.webhook' } });

    const request = receiver.requests[0]!;
    expect(request.headers['webhook-id']).toBe('fr-1.webhook');
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    const event = verified(request);
    expect(event.type).toBe('feedback.requested');
    expect(event.data).toMatchObject({ subject: 'Your answer is needed', feedback: { request_id: 'fr-1' } });

    // The same delivery retried carries the same id, so the receiver can drop the repeat.
    await channel.send(questionMessage, to, 'fr-1.webhook');
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual(['fr-1.webhook', 'fr-1.webhook']);

    const tampered = { ...request, body: request.body.replace('Drop', 'Keep') };
    expect(() => verified(tampered)).toThrow();
  });

  it('sends an update as a new, signed notification.updated event naming the first', async () => {
    const sent = await channel.send(
      { subject: 'Order 1234', text: 'Created' },
      { webhook_url: `${receiver.url}/hook` },
      'n-1',
    );
    expect(verified(receiver.requests[0]!).type).toBe('notification.sent');
    await channel.update(
      sent.ref,
      resolvedMessage(questionMessage, {
        status: 'answered',
        answer: 'approve',
        answered_by: 'bob',
        via: 'web',
      }),
    );
    const update = receiver.requests[1]!;
    expect(update.headers['webhook-id']).toBe('n-1.update');
    expect(verified(update)).toMatchObject({
      type: 'notification.updated',
      data: {
        original_id: 'n-1',
        text: 'Answered by bob via the web page: approve',
        resolution: { status: 'answered', answer: 'approve', answered_by: 'bob', via: 'web' },
      },
    });
    await expectChannelError(channel.update({ channel: 'C1', ts: '1.2' }, questionMessage), true);
  });

  it('classifies answers: 4xx permanent; 408, 429, 5xx, timeouts and refused connections transient', async () => {
    const cases: Array<[number, boolean]> = [
      [400, true],
      [404, true],
      [410, true],
      [301, true],
      [408, false],
      [429, false],
      [500, false],
      [503, false],
    ];
    for (const [status, permanent] of cases) {
      receiver.on('POST', `/status/${status}`, () => ({ status, body: `status ${status}` }));
      const error = await expectChannelError(
        channel.send(questionMessage, { webhook_url: `${receiver.url}/status/${status}` }, 'k'),
        permanent,
      );
      expect(error.message).toContain(`HTTP ${status}`);
    }
    receiver.on('POST', '/slow', () => ({ delayMs: 1_000, status: 200 }));
    const slow = webhookChannel(200);
    expect(
      (
        await expectChannelError(
          slow.send(questionMessage, { webhook_url: `${receiver.url}/slow` }, 'k'),
          false,
        )
      ).message,
    ).toMatch(/within 200 ms/);
    const refused = `http://127.0.0.1:${await freePort()}/hook`;
    await expectChannelError(channel.send(questionMessage, { webhook_url: refused }, 'k'), false);
    await expectChannelError(channel.send(questionMessage, {}, 'k'), true);
    expect(await channel.health()).toEqual({ ok: true, detail: 'signing secret set' });
  });
});

describe('webhook signature', () => {
  it('matches the reference implementation byte for byte', () => {
    const at = new Date('2025-01-02T10:00:00Z');
    const headers = webhookHeaders(secret, 'msg_1', '{"a":1}', at);
    expect(headers['webhook-timestamp']).toBe('1735812000');
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('msg_1', at, '{"a":1}'));
  });
});
