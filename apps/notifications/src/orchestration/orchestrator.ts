import type { ChannelName, DeliverPayload, DeliverResult } from '@switchboard/contracts/notifications';
import type { CircuitBreakerStore } from '@switchboard/stores/circuit-breakers';
import type { DeliveryStore } from '@switchboard/stores/deliveries';
import { UnrecoverableError } from 'bullmq';
import { type Channel, ChannelError } from '../channels/channel.js';

export interface OrchestratorPorts {
  channels: ReadonlyMap<ChannelName, Channel>;
  breakers: Pick<CircuitBreakerStore, 'admit' | 'record'>;
  deliveries: Pick<DeliveryStore, 'append' | 'claim' | 'release' | 'recordSent' | 'sentRefs'>;
  /** Wall-clock time: timeline stamps, circuit timing and send latency. */
  now: () => Date;
  /**
   * How long a claimed send may run before another attempt may send on that channel again (same
   * idempotency key). Longer than any channel's own timeout, so it only runs out when a worker died.
   */
  claimLeaseMs: number;
}

/** Which try of the job this is, as BullMQ counts them. */
export interface JobAttempt {
  attempt: number;
  maxAttempts: number;
}

/** How one channel did in one attempt. */
interface ChannelTry {
  channel: ChannelName;
  delivered: boolean;
  /** Another attempt could succeed: a transient error, an open circuit, a send still in flight elsewhere. */
  retryable: boolean;
  /** Another attempt may be sending on this channel right now: falling back could deliver twice. */
  inFlight?: boolean;
  reason?: string;
}

const maxReasonLength = 500;

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, maxReasonLength);
}

/**
 * Delivers one message through its channels, each at most once however often the job runs:
 * `fallback` tries them in order until one delivers, `broadcast` sends to all at once. A channel
 * whose circuit is open, or that cannot reach the recipient, is skipped without an attempt.
 * One try per channel per job attempt; when what is left could still succeed later, the attempt
 * throws so the queue retries it with backoff (channels already sent are not sent again), and a
 * delivery that nothing can complete fails for good.
 */
export class Orchestrator {
  constructor(private readonly ports: OrchestratorPorts) {}

  async deliver(job: DeliverPayload, attempt: JobAttempt): Promise<DeliverResult> {
    const tries =
      job.strategy === 'broadcast'
        ? await Promise.all(job.channels.map((channel) => this.tryChannel(job, channel, attempt.attempt)))
        : await this.fallback(job, attempt.attempt);
    const delivered = tries.filter((done) => done.delivered).map((done) => done.channel);
    const undelivered = tries.filter((done) => !done.delivered);
    const result = { delivered, failed: undelivered.map((done) => done.channel) };
    const complete = job.strategy === 'broadcast' ? undelivered.length === 0 : delivered.length > 0;
    if (complete) return result;

    const summary = undelivered.map((done) => `${done.channel}: ${done.reason}`).join('; ');
    if (undelivered.some((done) => done.retryable) && attempt.attempt < attempt.maxAttempts) {
      throw new Error(`not delivered yet, will retry (${summary})`);
    }
    // A broadcast that reached some channels: done, with the others reported as failed.
    if (delivered.length > 0) return result;
    await this.ports.deliveries.append(
      job.delivery_id,
      {
        status: 'failed',
        attempt: attempt.attempt,
        reason: `no channel delivered: ${summary}`.slice(0, 1_000),
      },
      this.ports.now(),
    );
    throw new UnrecoverableError(`no channel delivered: ${summary}`);
  }

  private async fallback(job: DeliverPayload, attempt: number): Promise<ChannelTry[]> {
    // A job run again after it delivered (a repeated request re-adding it) must not try the earlier channels anew.
    const sent = new Set((await this.ports.deliveries.sentRefs(job.delivery_id)).map((copy) => copy.channel));
    const alreadySent = job.channels.find((channel) => sent.has(channel));
    if (alreadySent !== undefined) return [{ channel: alreadySent, delivered: true, retryable: false }];
    const tries: ChannelTry[] = [];
    for (const [index, channel] of job.channels.entries()) {
      const done = await this.tryChannel(job, channel, attempt);
      tries.push(done);
      // While another attempt may still be sending here, the next channel could make it two copies.
      if (done.delivered || done.inFlight) break;
      const next = job.channels[index + 1];
      if (next !== undefined) {
        await this.ports.deliveries.append(
          job.delivery_id,
          { status: 'fell_back', channel: next, attempt, reason: `${channel}: ${done.reason}` },
          this.ports.now(),
        );
      }
    }
    return tries;
  }

  private async tryChannel(job: DeliverPayload, name: ChannelName, attempt: number): Promise<ChannelTry> {
    const { breakers, deliveries, now } = this.ports;
    const id = job.delivery_id;
    const skip = async (reason: string, retryable: boolean): Promise<ChannelTry> => {
      await deliveries.append(id, { status: 'skipped', channel: name, attempt, reason }, now());
      return { channel: name, delivered: false, retryable, reason };
    };

    const channel = this.ports.channels.get(name);
    if (!channel) return skip(`the ${name} channel is not configured`, false);
    if (!channel.canReach(job.to)) return skip(`no ${name} address for this recipient`, false);

    const claim = await deliveries.claim(id, name, this.ports.claimLeaseMs);
    if (claim.status === 'sent') return { channel: name, delivered: true, retryable: false };
    if (claim.status === 'busy') {
      return {
        channel: name,
        delivered: false,
        retryable: true,
        inFlight: true,
        reason: 'an earlier attempt is still sending',
      };
    }
    if ((await breakers.admit(name, now().getTime())) === 'refused') {
      await deliveries.release(id, name, claim.token);
      return skip('circuit open', true);
    }

    await deliveries.append(id, { status: 'sending', channel: name, attempt }, now());
    const startedAt = now().getTime();
    let sent: Awaited<ReturnType<Channel['send']>>;
    try {
      sent = await channel.send(job.message, job.to, `${id}:${name}`);
    } catch (error) {
      const reason = reasonOf(error);
      const failedAt = now();
      await breakers.record(
        name,
        { ok: false, latencyMs: failedAt.getTime() - startedAt, error: reason },
        failedAt.getTime(),
      );
      await deliveries.release(id, name, claim.token);
      await deliveries.append(id, { status: 'failed', channel: name, attempt, reason }, failedAt);
      // Anything but a channel's own verdict (a bug, a lost connection) may well pass next time.
      const permanent = error instanceof ChannelError && error.permanent;
      return { channel: name, delivered: false, retryable: !permanent, reason };
    }
    const sentAt = now();
    await breakers.record(name, { ok: true, latencyMs: sentAt.getTime() - startedAt }, sentAt.getTime());
    await deliveries.recordSent(id, name, sent.providerId, sent.ref, { attempt, now: sentAt });
    return { channel: name, delivered: true, retryable: false };
  }
}
