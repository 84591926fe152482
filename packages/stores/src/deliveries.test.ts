import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { DeliveryStore } from './deliveries.js';

describe('DeliveryStore', () => {
  const redisFixture = usePrivateRedis();

  const store = () => new DeliveryStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 600);
  const at = (second: number) => new Date(Date.UTC(2026, 0, 2, 10, 0, second));

  it('starts a timeline with `queued` and appends to it in order; unknown ids have none', async () => {
    const deliveries = store();
    const accepted = await deliveries.accept({}, at(0));
    expect(accepted.status).toBe('created');
    const id = accepted.deliveryId;
    expect(id).toMatch(/^dl_[0-9a-f]{32}$/);
    await deliveries.append(
      id,
      { status: 'failed', channel: 'email', attempt: 1, reason: '550 no such user' },
      at(1),
    );
    await deliveries.append(id, { status: 'fell_back', channel: 'slack', reason: 'email failed' }, at(1));

    expect(await deliveries.timeline(id)).toEqual([
      { delivery_id: id, status: 'queued', at: at(0).toISOString() },
      {
        delivery_id: id,
        status: 'failed',
        channel: 'email',
        attempt: 1,
        reason: '550 no such user',
        at: at(1).toISOString(),
      },
      {
        delivery_id: id,
        status: 'fell_back',
        channel: 'slack',
        reason: 'email failed',
        at: at(1).toISOString(),
      },
    ]);
    expect(await deliveries.timeline('dl_never')).toBeNull();
    expect(await deliveries.timeline('{sb}:*')).toBeNull();
    await expect(deliveries.append('bad id', { status: 'queued' })).rejects.toThrow(TypeError);
  });

  it('gives a repeated idempotency key the first delivery id, per caller, and refuses it for other content', async () => {
    const deliveries = store();
    const first = await deliveries.accept({ idempotencyKey: 'order-1', scope: 'key:a', fingerprint: 'f1' });
    const again = await deliveries.accept({ idempotencyKey: 'order-1', scope: 'key:a', fingerprint: 'f1' });
    const changed = await deliveries.accept({ idempotencyKey: 'order-1', scope: 'key:a', fingerprint: 'f2' });
    const otherCaller = await deliveries.accept({
      idempotencyKey: 'order-1',
      scope: 'key:b',
      fingerprint: 'f1',
    });

    expect(again).toEqual({ status: 'repeat', deliveryId: first.deliveryId });
    expect(changed).toEqual({ status: 'conflict', deliveryId: first.deliveryId });
    expect(otherCaller.status).toBe('created');
    expect(otherCaller.deliveryId).not.toBe(first.deliveryId);
    expect(await deliveries.timeline(first.deliveryId)).toHaveLength(1);

    const racing = await Promise.all(
      Array.from({ length: 10 }, () => deliveries.accept({ idempotencyKey: 'order-2', fingerprint: 'f' })),
    );
    expect(racing.filter((result) => result.status === 'created')).toHaveLength(1);
    expect(new Set(racing.map((result) => result.deliveryId)).size).toBe(1);
  });

  it('lets one attempt claim a channel, refuses others while it holds the lease, and never after it sent', async () => {
    const deliveries = store();
    const { deliveryId: id } = await deliveries.accept();
    const claims = await Promise.all(Array.from({ length: 5 }, () => deliveries.claim(id, 'email', 60_000)));
    const winner = claims.find((claim) => claim.status === 'claimed');
    expect(claims.filter((claim) => claim.status === 'busy')).toHaveLength(4);
    // Other channels are separate.
    expect((await deliveries.claim(id, 'slack', 60_000)).status).toBe('claimed');

    expect(
      await deliveries.recordSent(
        id,
        'email',
        '<id-email@x>',
        { message_id: '<id-email@x>' },
        { attempt: 1 },
      ),
    ).toBe(true);
    expect(winner).toBeDefined();
    expect(await deliveries.claim(id, 'email', 60_000)).toEqual({
      status: 'sent',
      providerId: '<id-email@x>',
    });
    // A second record (a zombie attempt finishing late) changes nothing.
    expect(await deliveries.recordSent(id, 'email', '<other@x>', {})).toBe(false);
    const sentLines = (await deliveries.timeline(id))!.filter((event) => event.status === 'sent');
    expect(sentLines).toEqual([
      expect.objectContaining({ channel: 'email', provider_id: '<id-email@x>', attempt: 1 }),
    ]);
  });

  it('frees a claim when its holder releases it or its lease runs out, but not for someone else', async () => {
    const deliveries = store();
    const { deliveryId: id } = await deliveries.accept();
    const first = await deliveries.claim(id, 'webhook', 60_000);
    if (first.status !== 'claimed') throw new Error('expected a claim');
    await deliveries.release(id, 'webhook', 'not-the-token');
    expect((await deliveries.claim(id, 'webhook', 60_000)).status).toBe('busy');
    await deliveries.release(id, 'webhook', first.token);
    expect((await deliveries.claim(id, 'slack', 50)).status).toBe('claimed');
    expect((await deliveries.claim(id, 'webhook', 60_000)).status).toBe('claimed');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await deliveries.claim(id, 'slack', 50)).status).toBe('claimed');
  });

  it('keeps where each copy lives for later edits, as long as the timeline', async () => {
    const keys = redisKeys(redisFixture.redis.prefix());
    const deliveries = new DeliveryStore(redisFixture.client, keys, 600);
    const { deliveryId: id } = await deliveries.accept();
    expect(await deliveries.sentRefs(id)).toEqual([]);
    await deliveries.recordSent(id, 'slack', 'D0ALICE:1735812003.000200', {
      channel: 'D0ALICE',
      ts: '1735812003.000200',
    });
    await deliveries.recordSent(id, 'email', '<m1@x>', { message_id: '<m1@x>' });
    expect(await deliveries.sentRefs(id)).toEqual(
      expect.arrayContaining([
        {
          channel: 'slack',
          providerId: 'D0ALICE:1735812003.000200',
          ref: { channel: 'D0ALICE', ts: '1735812003.000200' },
        },
        { channel: 'email', providerId: '<m1@x>', ref: { message_id: '<m1@x>' } },
      ]),
    );
    for (const key of [keys.key('delivery-events', id), keys.key('delivery-sent', id)]) {
      const ttl = await redisFixture.client.ttl(key);
      expect(ttl).toBeGreaterThan(590);
      expect(ttl).toBeLessThanOrEqual(600);
    }
  });

  it('keeps the newest 500 events', async () => {
    const deliveries = store();
    const { deliveryId: id } = await deliveries.accept();
    for (let i = 0; i < 520; i++) await deliveries.append(id, { status: 'sending', attempt: i + 1 });
    const timeline = (await deliveries.timeline(id))!;
    expect(timeline).toHaveLength(500);
    expect(timeline.at(-1)?.attempt).toBe(520);
  });
});
