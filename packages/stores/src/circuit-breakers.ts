import { type ChannelName, channelNames } from '@switchboard/contracts/notifications';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * One circuit breaker per channel, shared by every instance, plus the channel's rolling health.
 * Keys (a handful, one set per channel: no TTL)
 *   {sb}:breaker:<channel>          HASH    state (closed|open|half_open), consecutive_failures,
 *                                           opened_at (ms), probe_at (ms: when the half-open probe was let through)
 *   {sb}:channel-stats:<channel>    HASH    successes, failures (totals), last_error, last_error_at (ms),
 *                                           configured (1|0: as the last notifications instance to start found it)
 *   {sb}:channel-samples:<channel>  LIST    newest first, `<1|0>:<latency ms>` per send; LTRIM to the newest 200
 * Atomicity: `admit` (which may turn open into half-open and hand out the single probe) and `record` (counters,
 * samples and the state transition) are each one Lua script. `health` only reads.
 */

export type Admission = 'pass' | 'probe' | 'refused';
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface SendOutcome {
  ok: boolean;
  latencyMs: number;
  /** Why it failed; kept as the channel's last error. */
  error?: string;
}

export interface ChannelHealth {
  channel: ChannelName;
  /** A notifications instance has this channel set up (false too when none has started yet). */
  configured: boolean;
  /** `half_open` once the open period is over, even before the probe goes out: the next send is the probe. */
  state: BreakerState;
  consecutive_failures: number;
  successes: number;
  failures: number;
  /** Over the recent samples; null before the first send. */
  success_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface BreakerSettings {
  /** Consecutive failures that open the circuit (BREAKER_THRESHOLD). */
  threshold: number;
  /** How long it stays open before one probe is let through (BREAKER_OPEN_S); also how long a probe may stay silent. */
  openMs: number;
  /** How many recent sends the rate and percentiles are computed over. */
  samples?: number;
}

const admitScript = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'closed' then return 'pass' end
local now = tonumber(ARGV[1])
local since = redis.call('HGET', KEYS[1], state == 'open' and 'opened_at' or 'probe_at')
-- Half-open with a probe out: refuse, unless that probe never reported (its worker died) for a whole period.
if now < tonumber(since or '0') + tonumber(ARGV[2]) then return 'refused' end
redis.call('HSET', KEYS[1], 'state', 'half_open', 'probe_at', ARGV[1])
return 'probe'
`;

const recordScript = `
redis.call('LPUSH', KEYS[3], ARGV[1] .. ':' .. ARGV[2])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
if ARGV[1] == '1' then
  redis.call('HINCRBY', KEYS[2], 'successes', 1)
  redis.call('HSET', KEYS[1], 'state', 'closed', 'consecutive_failures', 0)
  redis.call('HDEL', KEYS[1], 'opened_at', 'probe_at')
  return 'closed'
end
redis.call('HINCRBY', KEYS[2], 'failures', 1)
redis.call('HSET', KEYS[2], 'last_error', ARGV[5], 'last_error_at', ARGV[3])
local failures = redis.call('HINCRBY', KEYS[1], 'consecutive_failures', 1)
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'half_open' or (state == 'closed' and failures >= tonumber(ARGV[4])) then
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', ARGV[3])
  redis.call('HDEL', KEYS[1], 'probe_at')
  return 'open'
end
return state
`;

const defaultSamples = 200;
const maxErrorLength = 500;

export class CircuitBreakerStore {
  private readonly samples: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly settings: BreakerSettings,
  ) {
    this.samples = settings.samples ?? defaultSamples;
  }

  private breakerKey(channel: ChannelName): string {
    return this.keys.key('breaker', channel);
  }

  private statsKey(channel: ChannelName): string {
    return this.keys.key('channel-stats', channel);
  }

  private samplesKey(channel: ChannelName): string {
    return this.keys.key('channel-samples', channel);
  }

  /** Called by each notifications instance at start with the channels it has set up. */
  async announce(configured: readonly ChannelName[]): Promise<void> {
    const multi = this.redis.multi();
    for (const channel of channelNames) {
      multi.hset(this.statsKey(channel), 'configured', configured.includes(channel) ? '1' : '0');
    }
    await multi.exec();
  }

  /**
   * May a send go out on this channel now? `pass` when closed; when the open period is over,
   * exactly one caller gets `probe` (and must `record` its outcome); everyone else `refused`.
   */
  async admit(channel: ChannelName, nowMs = Date.now()): Promise<Admission> {
    return (await this.redis.eval(
      admitScript,
      1,
      this.breakerKey(channel),
      String(nowMs),
      String(this.settings.openMs),
    )) as Admission;
  }

  /** Counts a send: a success closes the circuit; failures open it at the threshold, or at once when probing. */
  async record(channel: ChannelName, outcome: SendOutcome, nowMs = Date.now()): Promise<BreakerState> {
    return (await this.redis.eval(
      recordScript,
      3,
      this.breakerKey(channel),
      this.statsKey(channel),
      this.samplesKey(channel),
      outcome.ok ? '1' : '0',
      String(Math.max(0, Math.round(outcome.latencyMs))),
      String(nowMs),
      String(this.settings.threshold),
      (outcome.error ?? 'failed').slice(0, maxErrorLength),
      String(this.samples),
    )) as BreakerState;
  }

  /** The channel's circuit and recent record, as of `nowMs`. Never changes anything. */
  async health(channel: ChannelName, nowMs = Date.now()): Promise<ChannelHealth> {
    const replies = await this.redis
      .multi()
      .hgetall(this.breakerKey(channel))
      .hgetall(this.statsKey(channel))
      .lrange(this.samplesKey(channel), 0, -1)
      .exec();
    const [breaker, stats, samples] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [Record<string, string>, Record<string, string>, string[]];

    const outcomes = samples.map((sample) => ({
      ok: sample.startsWith('1:'),
      latencyMs: Number(sample.slice(2)),
    }));
    const latencies = outcomes.map((outcome) => outcome.latencyMs).sort((a, b) => a - b);
    const lastErrorAt = Number(stats.last_error_at);
    return {
      channel,
      configured: stats.configured === '1',
      state: effectiveState(breaker, nowMs, this.settings.openMs),
      consecutive_failures: Number(breaker.consecutive_failures ?? 0),
      successes: Number(stats.successes ?? 0),
      failures: Number(stats.failures ?? 0),
      success_rate:
        outcomes.length === 0
          ? null
          : round(outcomes.filter((outcome) => outcome.ok).length / outcomes.length, 4),
      p50_ms: percentile(latencies, 0.5),
      p95_ms: percentile(latencies, 0.95),
      last_error: stats.last_error ?? null,
      last_error_at: Number.isFinite(lastErrorAt) ? new Date(lastErrorAt).toISOString() : null,
    };
  }

  async healthOfAll(nowMs = Date.now()): Promise<ChannelHealth[]> {
    return Promise.all(channelNames.map((channel) => this.health(channel, nowMs)));
  }
}

function effectiveState(breaker: Record<string, string>, nowMs: number, openMs: number): BreakerState {
  if (breaker.state === 'open') {
    return nowMs >= Number(breaker.opened_at ?? 0) + openMs ? 'half_open' : 'open';
  }
  return breaker.state === 'half_open' ? 'half_open' : 'closed';
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
