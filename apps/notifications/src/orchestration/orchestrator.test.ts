import type { ChannelName, DeliverPayload, Recipient } from '@switchboard/contracts/notifications';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { CircuitBreakerStore } from '@switchboard/stores/circuit-breakers';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { type Channel, ChannelError, type SendResult } from '../channels/channel.js';
import { Orchestrator } from './orchestrator.js';

type Step = 'ok' | Error | (() => Promise<void>);

/** A channel that does what the test scripts, one step per send, and remembers every call. */
class ScriptedChannel implements Channel {
  readonly sends: string[] = [];
  private readonly steps: Step[];

  constructor(
    readonly name: ChannelName,
    steps: Step[] = [],
    private readonly reachable = true,
  ) {
    this.steps = [...steps];
  }

  canReach(_to: Recipient): boolean {
    return this.reachable;
  }

  async send(_message: unknown, _to: Recipient, idempotencyKey: string): Promise<SendResult> {
    this.sends.push(idempotencyKey);
    const step = this.steps.shift() ?? 'ok';
    if (step instanceof Error) throw step;
    if (typeof step === 'function') await step();
    return { providerId: `${this.name}-${this.sends.length}`, ref: { key: idempotencyKey } };
  }

  async update(): Promise<void> {}

  async health() {
    return { ok: true };
  }
}

const transient = (message = '451 try again later') => new ChannelError(message, false);
const permanent = (message = '550 no such user') => new ChannelError(message, true);

describe('Orchestrator', () => {
  const redisFixture = usePrivateRedis();

  function setup(channels: ScriptedChannel[], threshold = 5) {
    const keys = redisKeys(redisFixture.redis.prefix());
    const deliveries = new DeliveryStore(redisFixture.client, keys, 600);
    const breakers = new CircuitBreakerStore(redisFixture.client, keys, { threshold, openMs: 60_000 });
    const orchestrator = new Orchestrator({
      channels: new Map(channels.map((channel) => [channel.name, channel])),
      breakers,
      deliveries,
      now: () => new Date(),
      claimLeaseMs: 60_000,
    });
    const job = async (
      strategy: 'fallback' | 'broadcast',
      names = channels.map((channel) => channel.name),
    ) => {
      const { deliveryId } = await deliveries.accept();
      const payload: DeliverPayload = {
        delivery_id: deliveryId,
        message: { subject: 'Order 1234', text: 'Customer created.' },
        channels: names,
        strategy,
        to: { email: 'ops@example.com', slack: 'U0ALICE' },
      };
      return payload;
    };
    const timeline = async (id: string) =>
      ((await deliveries.timeline(id)) ?? []).map(
        (event) =>
          `${event.status}${event.channel ? ` ${event.channel}` : ''}${event.reason ? ` (${event.reason})` : ''}`,
      );
    return { orchestrator, deliveries, breakers, job, timeline };
  }

  const first = { attempt: 1, maxAttempts: 3 };

  it('falls back to the next channel when one fails, and records why', async () => {
    const email = new ScriptedChannel('email', [permanent()]);
    const slack = new ScriptedChannel('slack');
    const { orchestrator, job, timeline, breakers } = setup([email, slack]);
    const payload = await job('fallback');

    expect(await orchestrator.deliver(payload, first)).toEqual({ delivered: ['slack'], failed: ['email'] });
    expect(await timeline(payload.delivery_id)).toEqual([
      'queued',
      'sending email',
      'failed email (550 no such user)',
      'fell_back slack (email: 550 no such user)',
      'sending slack',
      'sent slack',
    ]);
    expect(slack.sends).toEqual([`${payload.delivery_id}:slack`]);
    expect(await breakers.health('email')).toMatchObject({ failures: 1, last_error: '550 no such user' });
    expect(await breakers.health('slack')).toMatchObject({ successes: 1, success_rate: 1 });
  });

  it('stops at the first channel that delivers', async () => {
    const email = new ScriptedChannel('email');
    const slack = new ScriptedChannel('slack');
    const { orchestrator, job } = setup([email, slack]);
    expect(await orchestrator.deliver(await job('fallback'), first)).toEqual({
      delivered: ['email'],
      failed: [],
    });
    expect(slack.sends).toEqual([]);
  });

  it('skips a channel that cannot reach the recipient, or whose circuit is open, without an attempt', async () => {
    const webhook = new ScriptedChannel('webhook', [], false);
    const email = new ScriptedChannel('email', [transient(), transient()]);
    const slack = new ScriptedChannel('slack');
    const { orchestrator, job, timeline } = setup([webhook, email, slack], 2);
    // Two failed sends open the email circuit (each delivery still gets through on Slack).
    for (let i = 0; i < 2; i++) await orchestrator.deliver(await job('fallback', ['email', 'slack']), first);
    expect(email.sends).toHaveLength(2);

    const payload = await job('fallback');
    expect(await orchestrator.deliver(payload, first)).toEqual({
      delivered: ['slack'],
      failed: ['webhook', 'email'],
    });
    expect(email.sends).toHaveLength(2);
    expect(webhook.sends).toEqual([]);
    expect(await timeline(payload.delivery_id)).toEqual([
      'queued',
      'skipped webhook (no webhook address for this recipient)',
      'fell_back email (webhook: no webhook address for this recipient)',
      'skipped email (circuit open)',
      'fell_back slack (email: circuit open)',
      'sending slack',
      'sent slack',
    ]);
  });

  it('throws for a retry when every channel failed transiently, and fails for good on the last attempt', async () => {
    const email = new ScriptedChannel('email', [transient(), transient()]);
    const slack = new ScriptedChannel('slack', [transient('Slack 503'), transient('Slack 503')]);
    const { orchestrator, job, timeline } = setup([email, slack]);
    const payload = await job('fallback');

    const retry = orchestrator.deliver(payload, first);
    await expect(retry).rejects.toThrow(/will retry/);
    await expect(retry).rejects.not.toBeInstanceOf(UnrecoverableError);
    const last = orchestrator.deliver(payload, { attempt: 3, maxAttempts: 3 });
    await expect(last).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await timeline(payload.delivery_id)).at(-1)).toMatch(
      /^failed \(no channel delivered: email: .*slack: Slack 503\)$/,
    );
  });

  it('does not retry permanent failures', async () => {
    const email = new ScriptedChannel('email', [permanent()]);
    const slack = new ScriptedChannel('slack', [permanent('channel_not_found')]);
    const { orchestrator, job } = setup([email, slack]);
    await expect(orchestrator.deliver(await job('fallback'), first)).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });

  it('broadcasts to every channel at once, and a retry sends only what is still missing', async () => {
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[] = [];
    const waitForBoth = (name: string) => async () => {
      started.push(name);
      if (started.length === 2) release();
      await bothStarted;
    };
    const email = new ScriptedChannel('email', [waitForBoth('email')]);
    const slack = new ScriptedChannel('slack', [waitForBoth('slack')]);
    const { orchestrator, job } = setup([email, slack]);
    expect(await orchestrator.deliver(await job('broadcast'), first)).toEqual({
      delivered: ['email', 'slack'],
      failed: [],
    });

    const flaky = new ScriptedChannel('email', [transient()]);
    const steady = new ScriptedChannel('slack');
    const second = setup([flaky, steady]);
    const payload = await second.job('broadcast');
    await expect(second.orchestrator.deliver(payload, first)).rejects.toThrow(/email: 451/);
    expect(await second.orchestrator.deliver(payload, { attempt: 2, maxAttempts: 3 })).toEqual({
      delivered: ['email', 'slack'],
      failed: [],
    });
    expect(flaky.sends).toHaveLength(2);
    expect(steady.sends).toHaveLength(1);
    expect(await second.deliveries.sentRefs(payload.delivery_id)).toHaveLength(2);
  });

  it('a broadcast that delivered somewhere reports what failed once retrying cannot help', async () => {
    const email = new ScriptedChannel('email', [permanent()]);
    const slack = new ScriptedChannel('slack');
    const { orchestrator, job } = setup([email, slack]);
    expect(await orchestrator.deliver(await job('broadcast'), first)).toEqual({
      delivered: ['slack'],
      failed: ['email'],
    });
  });

  it('never falls back while an earlier attempt may still be sending, and never sends twice', async () => {
    const email = new ScriptedChannel('email');
    const slack = new ScriptedChannel('slack');
    const { orchestrator, job, deliveries } = setup([email, slack]);
    const payload = await job('fallback');
    // A worker claimed email and died mid-send: its lease has not run out.
    await deliveries.claim(payload.delivery_id, 'email', 60_000);

    await expect(orchestrator.deliver(payload, first)).rejects.toThrow(/still sending/);
    expect(email.sends).toEqual([]);
    expect(slack.sends).toEqual([]);

    const done = await job('broadcast');
    await orchestrator.deliver(done, first);
    expect(await orchestrator.deliver(done, { attempt: 2, maxAttempts: 3 })).toEqual({
      delivered: ['email', 'slack'],
      failed: [],
    });
    expect(email.sends).toEqual([`${done.delivery_id}:email`]);
  });

  it('runs a delivered fallback again without sending anything (not even on a channel that failed before)', async () => {
    const email = new ScriptedChannel('email', [transient()]);
    const slack = new ScriptedChannel('slack');
    const { orchestrator, job, timeline } = setup([email, slack]);
    const payload = await job('fallback');
    await orchestrator.deliver(payload, first);
    const before = await timeline(payload.delivery_id);

    expect(await orchestrator.deliver(payload, first)).toEqual({ delivered: ['slack'], failed: [] });
    expect(email.sends).toHaveLength(1);
    expect(slack.sends).toHaveLength(1);
    expect(await timeline(payload.delivery_id)).toEqual(before);
  });
});
