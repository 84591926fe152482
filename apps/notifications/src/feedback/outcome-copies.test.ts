import { randomUUID } from 'node:crypto';
import type { ChannelName, OutgoingMessage } from '@switchboard/contracts/notifications';
import { createLogger } from '@switchboard/runtime/logger';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import { SessionEventLog } from '@switchboard/stores/session-events';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Channel, ChannelError, type ProviderRef } from '../channels/channel.js';
import { readResolution } from '../channels/feedback-resolution.js';
import { OutcomeCopies, resolutionOf } from './outcome-copies.js';

/** A channel whose `update` records its calls and fails as scripted. */
function scriptedChannel(name: ChannelName, failures: Error[] = []) {
  const updates: { ref: ProviderRef; message: OutgoingMessage }[] = [];
  const channel: Channel = {
    name,
    canReach: () => true,
    send: async () => ({ providerId: 'p', ref: {} }),
    async update(ref, message) {
      updates.push({ ref, message });
      const failure = failures.shift();
      if (failure) throw failure;
    },
    health: async () => ({ ok: true }),
  };
  return { channel, updates };
}

describe('OutcomeCopies', () => {
  let redis: PrivateRedis;
  let requests: FeedbackRequestStore;
  let deliveries: DeliveryStore;
  beforeAll(async () => {
    redis = await startRedis();
    const client = redis.client();
    const keys = redisKeys(redis.prefix());
    requests = new FeedbackRequestStore(client, keys, new SessionEventLog(client, keys, 600));
    deliveries = new DeliveryStore(client, keys);
  });
  afterAll(() => redis.stop());

  /** A request sent by email and Slack, then answered through `via`. */
  async function answeredThrough(via: 'slack' | 'email') {
    const id = randomUUID();
    await requests.create({
      id,
      question: 'Drop table orders_stg?',
      options: ['approve', 'reject'],
      allow_free_text: false,
      requester_id: 'alice',
      channels: ['email', 'slack'],
      strategy: 'broadcast',
      expires_at: new Date(Date.now() + 60_000),
      recipients: { email: 'alice@example.com', slack: 'U0ALICE' },
      message: { subject: 'Approval required', text: 'Drop table orders_stg?' },
    });
    await deliveries.recordSent(id, 'email', '<m1@switchboard>', { messageId: '<m1@switchboard>' });
    await deliveries.recordSent(id, 'slack', 'D0ALICE/1.2', { channel: 'D0ALICE', ts: '1.2' });
    const outcome = await requests.answer(id, {
      answer: 'approve',
      channel: via,
      responder_id: via === 'slack' ? 'U0ALICE' : 'alice@example.com',
      responder_name: via === 'slack' ? 'alice' : 'alice@example.com',
    });
    if (outcome.kind !== 'won') throw new Error('the first answer should win');
    return outcome.record;
  }

  const lines = async (id: string) =>
    ((await deliveries.timeline(id)) ?? []).map((event) => `${event.status} ${event.channel ?? ''}`.trim());

  it('edits each copy once: a failure that may pass is retried, one that will not is noted and left', async () => {
    const record = await answeredThrough('slack');
    const slack = scriptedChannel('slack', [
      new ChannelError('Slack chat.update failed: ratelimited', false),
    ]);
    const email = scriptedChannel('email', [new ChannelError('550 mailbox gone', true)]);
    const copies = new OutcomeCopies({
      requests,
      deliveries,
      channels: new Map([
        ['slack', slack.channel],
        ['email', email.channel],
      ]),
      logger: createLogger({ service: 'notifications', level: 'silent' }),
    });

    await expect(copies.show(record, resolutionOf(record))).rejects.toThrow(/slack: .*ratelimited/);
    expect(await copies.show(record, resolutionOf(record))).toEqual(['slack']);
    expect(await copies.show(record, resolutionOf(record))).toEqual([]);

    expect(slack.updates.map((update) => update.ref)).toEqual([
      { channel: 'D0ALICE', ts: '1.2' },
      { channel: 'D0ALICE', ts: '1.2' },
    ]);
    expect(email.updates).toHaveLength(1);
    expect(readResolution(slack.updates[1]!.message)).toEqual({
      status: 'answered',
      answer: 'approve',
      answered_by: 'U0ALICE',
      via: 'slack',
    });
    const timeline = await lines(record.id);
    expect(timeline.filter((line) => line.startsWith('answered'))).toEqual(['answered slack']);
    expect(timeline).toEqual(expect.arrayContaining(['failed email', 'updated slack']));
  });

  it('leaves the email copy alone when the answer came through the email link', async () => {
    const record = await answeredThrough('email');
    const slack = scriptedChannel('slack');
    const email = scriptedChannel('email');
    const copies = new OutcomeCopies({
      requests,
      deliveries,
      channels: new Map([
        ['slack', slack.channel],
        ['email', email.channel],
      ]),
      logger: createLogger({ service: 'notifications', level: 'silent' }),
    });
    expect(await copies.show(record, resolutionOf(record))).toEqual(['slack']);
    expect(email.updates).toEqual([]);
    expect(readResolution(slack.updates[0]!.message)?.answered_by).toBe('alice@example.com');
  });
});
