import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type ChannelName, channelNames, DeliveryEvent } from '@switchboard/contracts/notifications';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';

/*
 * Delivery tracking. A delivery id is a notification's (`dl_…`) or a feedback request's: one id space.
 * Keys (EXPIRE = retention, renewed by every write to the delivery)
 *   {sb}:delivery-events:<id>            LIST    DeliveryEvent JSON, oldest first; trimmed to the newest 500
 *   {sb}:delivery-sent:<id>              HASH    channel → JSON {provider_id, ref}: where each sent copy lives
 *   {sb}:delivery-sending:<channel>:<id> STRING  token of the attempt sending on that channel now; PX = lease
 *   {sb}:delivery-key:<sha256>           STRING  JSON {delivery_id, fingerprint} for a caller's idempotency key
 * The idempotency gate: a send is claimed (refused while another attempt holds the lease, or once the channel
 * is in the sent hash) and recorded as sent afterwards. A worker that dies between sending and recording
 * leaves a lease that runs out; the retry then sends again under the same idempotency key, which the provider
 * recognises. Atomicity: `accept`, `claim`, `release` and `recordSent` are each one Lua script.
 */

export type DeliveryEventInput = Omit<DeliveryEvent, 'delivery_id' | 'at'>;

export interface SentRef {
  channel: ChannelName;
  providerId: string;
  /** What the channel needs to edit its copy (Slack channel + ts, email Message-ID…). */
  ref: Record<string, string>;
}

export type Claim =
  | { status: 'claimed'; token: string }
  /** Sent before (by an earlier attempt): do not send again. */
  | { status: 'sent'; providerId: string }
  /** Another attempt is sending on that channel right now (or died doing so and its lease has not run out). */
  | { status: 'busy' };

export type Acceptance =
  | { status: 'created'; deliveryId: string }
  /** The caller sent this idempotency key before, with the same content. */
  | { status: 'repeat'; deliveryId: string }
  /** The caller used this idempotency key for different content. */
  | { status: 'conflict'; deliveryId: string };

export const deliveryIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

const eventValidator = Compile(DeliveryEvent);
const maxEvents = 500;
const defaultRetentionS = 30 * 24 * 3_600;

// KEYS: idempotency key, events. ARGV: record JSON, retention s, queued event JSON.
const acceptScript = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return false
`;

// KEYS: sent hash, sending lease. ARGV: channel, token, lease ms.
const claimScript = `
local sent = redis.call('HGET', KEYS[1], ARGV[1])
if sent then return {'sent', sent} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'claimed'} end
return {'busy'}
`;

// KEYS: sending lease. ARGV: token.
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// KEYS: sent hash, sending lease, events. ARGV: channel, ref JSON, sent event JSON, retention s, max events.
const recordSentScript = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[5]), -1)
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionS = defaultRetentionS,
  ) {}

  private eventsKey(id: string): string {
    return this.keys.key('delivery-events', checked(id));
  }

  private sentKey(id: string): string {
    return this.keys.key('delivery-sent', checked(id));
  }

  private sendingKey(id: string, channel: ChannelName): string {
    return this.keys.key('delivery-sending', channel, checked(id));
  }

  /**
   * Starts a delivery with its `queued` event and returns its new id. With an idempotency key (scoped to
   * the caller), a repeat returns the first delivery's id instead, and writes nothing.
   */
  async accept(
    input: { idempotencyKey?: string; scope?: string; fingerprint?: string } = {},
    now = new Date(),
  ): Promise<Acceptance> {
    const deliveryId = `dl_${randomUUID().replaceAll('-', '')}`;
    const queued = JSON.stringify(this.event(deliveryId, { status: 'queued' }, now));
    if (input.idempotencyKey === undefined) {
      await this.redis
        .multi()
        .rpush(this.eventsKey(deliveryId), queued)
        .expire(this.eventsKey(deliveryId), this.retentionS)
        .exec();
      return { status: 'created', deliveryId };
    }
    const keyHash = createHash('sha256')
      .update(`${input.scope ?? ''}\n${input.idempotencyKey}`)
      .digest('hex');
    const fingerprint = input.fingerprint ?? '';
    const existing = (await this.redis.eval(
      acceptScript,
      2,
      this.keys.key('delivery-key', keyHash),
      this.eventsKey(deliveryId),
      JSON.stringify({ delivery_id: deliveryId, fingerprint }),
      String(this.retentionS),
      queued,
    )) as string | null;
    if (existing === null) return { status: 'created', deliveryId };
    const first = JSON.parse(existing) as { delivery_id: string; fingerprint: string };
    return {
      status: first.fingerprint === fingerprint ? 'repeat' : 'conflict',
      deliveryId: first.delivery_id,
    };
  }

  /** Adds a line to the delivery's timeline (and keeps its sent copies as long as the timeline). */
  async append(deliveryId: string, input: DeliveryEventInput, now = new Date()): Promise<DeliveryEvent> {
    const event = this.event(deliveryId, input, now);
    await this.redis
      .multi()
      .rpush(this.eventsKey(deliveryId), JSON.stringify(event))
      .ltrim(this.eventsKey(deliveryId), -maxEvents, -1)
      .expire(this.eventsKey(deliveryId), this.retentionS)
      .expire(this.sentKey(deliveryId), this.retentionS)
      .exec();
    return event;
  }

  /** The timeline, oldest first; null for an id never seen (or expired). */
  async timeline(deliveryId: string): Promise<DeliveryEvent[] | null> {
    if (!deliveryIdPattern.test(deliveryId)) return null;
    const rows = await this.redis.lrange(this.eventsKey(deliveryId), 0, -1);
    if (rows.length === 0) return null;
    return rows.flatMap((row) => {
      try {
        const event: unknown = JSON.parse(row);
        return eventValidator.Check(event) ? [event] : [];
      } catch {
        return [];
      }
    });
  }

  /** Before sending on a channel: may this attempt send (`claimed`, for `leaseMs`), or must it not? */
  async claim(deliveryId: string, channel: ChannelName, leaseMs: number): Promise<Claim> {
    const token = randomBytes(12).toString('hex');
    const [status, sent] = (await this.redis.eval(
      claimScript,
      2,
      this.sentKey(deliveryId),
      this.sendingKey(deliveryId, channel),
      channel,
      token,
      String(Math.max(1, Math.round(leaseMs))),
    )) as [string, string?];
    if (status === 'sent')
      return { status, providerId: (JSON.parse(sent!) as { provider_id: string }).provider_id };
    return status === 'claimed' ? { status, token } : { status: 'busy' };
  }

  /** After a send that failed: the next attempt may send at once. Only the claim's holder can release it. */
  async release(deliveryId: string, channel: ChannelName, token: string): Promise<void> {
    await this.redis.eval(releaseScript, 1, this.sendingKey(deliveryId, channel), token);
  }

  /**
   * After a send: keeps where the copy lives, ends the claim and adds `sent` to the timeline. Returns false
   * (and writes nothing) when the channel was already recorded as sent, so a repeat leaves one `sent` line.
   */
  async recordSent(
    deliveryId: string,
    channel: ChannelName,
    providerId: string,
    ref: Record<string, string>,
    options: { attempt?: number; now?: Date } = {},
  ): Promise<boolean> {
    const event = this.event(
      deliveryId,
      {
        status: 'sent',
        channel,
        provider_id: providerId,
        ...(options.attempt === undefined ? {} : { attempt: options.attempt }),
      },
      options.now ?? new Date(),
    );
    const recorded = await this.redis.eval(
      recordSentScript,
      3,
      this.sentKey(deliveryId),
      this.sendingKey(deliveryId, channel),
      this.eventsKey(deliveryId),
      channel,
      JSON.stringify({ provider_id: providerId, ref }),
      JSON.stringify(event),
      String(this.retentionS),
      String(maxEvents),
    );
    return recorded === 1;
  }

  /** Every sent copy of the delivery and where it lives, e.g. to edit them all once a request is answered. */
  async sentRefs(deliveryId: string): Promise<SentRef[]> {
    if (!deliveryIdPattern.test(deliveryId)) return [];
    const sent = await this.redis.hgetall(this.sentKey(deliveryId));
    return Object.entries(sent).flatMap(([channel, value]) => {
      if (!isChannelName(channel)) return [];
      const { provider_id, ref } = JSON.parse(value) as { provider_id: string; ref: Record<string, string> };
      return [{ channel, providerId: provider_id, ref }];
    });
  }

  private event(deliveryId: string, input: DeliveryEventInput, now: Date): DeliveryEvent {
    const event = { delivery_id: deliveryId, ...input, at: now.toISOString() };
    if (!eventValidator.Check(event)) throw new TypeError(`invalid delivery event ${JSON.stringify(event)}`);
    return event;
  }
}

function isChannelName(name: string): name is ChannelName {
  return (channelNames as readonly string[]).includes(name);
}

function checked(deliveryId: string): string {
  if (!deliveryIdPattern.test(deliveryId))
    throw new TypeError(`invalid delivery id ${JSON.stringify(deliveryId)}`);
  return deliveryId;
}
