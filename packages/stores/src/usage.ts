import { createHash } from 'node:crypto';
import type { TokenUsage } from '@switchboard/contracts/chat';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys (hash fields are `<counter>:<model>`, counter one of `requests`, `prompt_tokens`,
 * `completion_tokens`, `total_tokens`, `cost_usd` (float, priced requests only), `unpriced_requests`,
 * `prompt_cost_usd` and `completion_cost_usd` (floats) with `split_requests` (how many priced requests
 * carried that split; older callers recorded only the total); the counter never holds a colon, so the
 * model is everything after the first one)
 *   {sb}:usage-turn:<sha256(turnId)>   STRING  marker that the turn's usage is counted; EX 7 days (longer than any
 *                                              retry of a turn job).
 *   {sb}:usage                         HASH    all-time counters per model. No expiry.
 *   {sb}:usage-day:<YYYY-MM-DD>        HASH    that UTC day's counters per model; EXPIREAT day + retention (400 d).
 *   {sb}:usage-days                    ZSET    the days that have counters, by the day's start (ms); trimmed to the
 *                                              retention on write.
 * Atomicity: `record` is one Lua script: SET NX of the marker, then every counter, so a turn is counted
 * once however often its job runs, and never half.
 */

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD, 6 decimals; null when any request counted here had no known price. */
  cost_usd: number | null;
  /**
   * The part of `cost_usd` spent on prompt (input) tokens, and on completion
   * (output) tokens; USD, 6 decimals. Null when any request counted here had
   * no known price or was recorded without the split.
   */
  prompt_cost_usd: number | null;
  completion_cost_usd: number | null;
  /** Requests whose model had no price (002 B7: unknown model → cost null). */
  unpriced_requests: number;
}

export interface UsageReport extends UsageTotals {
  by_model: Record<string, UsageTotals>;
  by_day: Record<string, UsageTotals & { by_model: Record<string, UsageTotals> }>;
}

export interface UsageEntry {
  model: string;
  usage: TokenUsage;
  /** From the price table; null when the model has no price. */
  cost_usd: number | null;
  /** The split of `cost_usd` into prompt and completion: both or neither, never without `cost_usd`. */
  prompt_cost_usd?: number | null;
  completion_cost_usd?: number | null;
  at: Date;
}

const markerTtlS = 7 * 24 * 3_600;
const dayMs = 86_400_000;
const defaultDayRetentionDays = 400;
const counters = [
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cost_usd',
  'unpriced_requests',
  'prompt_cost_usd',
  'completion_cost_usd',
  'split_requests',
] as const;
type Counter = (typeof counters)[number];

// KEYS: marker, all-time, day, days index. ARGV: marker TTL s, model, prompt, completion, total,
// cost ('' = no price), day start ms, date, day expiry (unix s), oldest day kept (ms), prompt cost and
// completion cost ('' = no split).
const recordScript = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local model = ARGV[2]
local function add(key)
  redis.call('HINCRBY', key, 'requests:' .. model, 1)
  redis.call('HINCRBY', key, 'prompt_tokens:' .. model, ARGV[3])
  redis.call('HINCRBY', key, 'completion_tokens:' .. model, ARGV[4])
  redis.call('HINCRBY', key, 'total_tokens:' .. model, ARGV[5])
  if ARGV[6] == '' then
    redis.call('HINCRBY', key, 'unpriced_requests:' .. model, 1)
  else
    redis.call('HINCRBYFLOAT', key, 'cost_usd:' .. model, ARGV[6])
    if ARGV[11] ~= '' then
      redis.call('HINCRBY', key, 'split_requests:' .. model, 1)
      redis.call('HINCRBYFLOAT', key, 'prompt_cost_usd:' .. model, ARGV[11])
      redis.call('HINCRBYFLOAT', key, 'completion_cost_usd:' .. model, ARGV[12])
    end
  end
end
add(KEYS[2])
add(KEYS[3])
redis.call('EXPIREAT', KEYS[3], ARGV[9])
redis.call('ZADD', KEYS[4], ARGV[7], ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[10])
return 1
`;

const round6 = (value: number) => Math.round((value + Number.EPSILON) * 1e6) / 1e6;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const utcDate = (at: Date) => at.toISOString().slice(0, 10);

/** Raw sums, before the cost is rounded or withheld. */
type Sums = Record<Counter, number>;

const emptySums = (): Sums => ({
  requests: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cost_usd: 0,
  unpriced_requests: 0,
  prompt_cost_usd: 0,
  completion_cost_usd: 0,
  split_requests: 0,
});

function addSums(into: Sums, from: Sums): void {
  for (const counter of counters) into[counter] += from[counter];
}

function totals(sums: Sums): UsageTotals {
  const priced = sums.unpriced_requests === 0;
  const split = priced && sums.split_requests === sums.requests;
  return {
    requests: sums.requests,
    prompt_tokens: sums.prompt_tokens,
    completion_tokens: sums.completion_tokens,
    total_tokens: sums.total_tokens,
    cost_usd: priced ? round6(sums.cost_usd) : null,
    prompt_cost_usd: split ? round6(sums.prompt_cost_usd) : null,
    completion_cost_usd: split ? round6(sums.completion_cost_usd) : null,
    unpriced_requests: sums.unpriced_requests,
  };
}

const isCost = (value: number) => Number.isFinite(value) && value >= 0;

/** The entry's prompt and completion costs as script arguments ('' when it has no split); throws on nonsense. */
function splitArgs({
  cost_usd: cost,
  prompt_cost_usd: prompt,
  completion_cost_usd: completion,
}: UsageEntry): [string, string] {
  if (prompt == null && completion == null) return ['', ''];
  if (prompt == null || completion == null)
    throw new TypeError('prompt_cost_usd and completion_cost_usd come together or not at all');
  if (cost === null) throw new TypeError('an unpriced request has no prompt or completion cost');
  if (!isCost(prompt) || !isCost(completion)) throw new TypeError('costs must be numbers ≥ 0 or null');
  return [prompt.toFixed(10), completion.toFixed(10)];
}

/** A counters hash as sums per model. */
function perModel(fields: Record<string, string>): Map<string, Sums> {
  const models = new Map<string, Sums>();
  for (const [field, value] of Object.entries(fields)) {
    const colon = field.indexOf(':');
    const counter = field.slice(0, colon) as Counter;
    if (colon < 0 || !counters.includes(counter)) continue;
    const model = field.slice(colon + 1);
    const sums = models.get(model) ?? emptySums();
    sums[counter] += Number(value) || 0;
    models.set(model, sums);
  }
  return models;
}

function summary(models: Map<string, Sums>): UsageTotals & { by_model: Record<string, UsageTotals> } {
  const all = emptySums();
  const byModel: Record<string, UsageTotals> = {};
  for (const [model, sums] of [...models].sort(([a], [b]) => a.localeCompare(b))) {
    addSums(all, sums);
    byModel[model] = totals(sums);
  }
  return { ...totals(all), by_model: byModel };
}

/** Tokens and cost of every provider call, per model and per UTC day (002's `/api/openai/usage`). */
export class UsageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly dayRetentionDays = defaultDayRetentionDays,
  ) {}

  private dayKey(date: string): string {
    return this.keys.key('usage-day', date);
  }

  /** Counts one turn's usage; false when that turn was counted before (a retried job). */
  async record(turnId: string, entry: UsageEntry): Promise<boolean> {
    const { model, usage, cost_usd: cost } = entry;
    if (model === '' || model.length > 200)
      throw new TypeError(`invalid model name ${JSON.stringify(model)}`);
    for (const count of [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens]) {
      if (!Number.isSafeInteger(count) || count < 0)
        throw new TypeError('token counts must be whole numbers ≥ 0');
    }
    if (cost !== null && !isCost(cost)) throw new TypeError('cost must be a number ≥ 0 or null');
    const [promptCost, completionCost] = splitArgs(entry);
    const date = utcDate(entry.at);
    const dayStart = Date.parse(`${date}T00:00:00Z`);
    const keys = [
      this.keys.key('usage-turn', sha256(turnId)),
      this.keys.key('usage'),
      this.dayKey(date),
      this.keys.key('usage-days'),
    ];
    const recorded = (await this.redis.eval(
      recordScript,
      keys.length,
      ...keys,
      String(markerTtlS),
      model,
      String(usage.prompt_tokens),
      String(usage.completion_tokens),
      String(usage.total_tokens),
      cost === null ? '' : cost.toFixed(10),
      String(dayStart),
      date,
      String(Math.floor((dayStart + (this.dayRetentionDays + 1) * dayMs) / 1000)),
      String(entry.at.getTime() - this.dayRetentionDays * dayMs),
      promptCost,
      completionCost,
    )) as number;
    return recorded === 1;
  }

  /**
   * Totals by model and by UTC day. Without `days`: all-time totals, and
   * every retained day. With `days`: the last `days` UTC days up to `now`
   * (today included), totals over those days only.
   */
  async report({ days, now = new Date() }: { days?: number; now?: Date } = {}): Promise<UsageReport> {
    let dates: string[];
    if (days === undefined) {
      dates = await this.redis.zrange(this.keys.key('usage-days'), 0, -1);
    } else {
      const count = Math.min(Math.max(1, Math.floor(days)), this.dayRetentionDays);
      dates = Array.from({ length: count }, (_, i) =>
        utcDate(new Date(now.getTime() - (count - 1 - i) * dayMs)),
      );
    }
    const pipeline = this.redis.pipeline();
    for (const date of dates) pipeline.hgetall(this.dayKey(date));
    if (days === undefined) pipeline.hgetall(this.keys.key('usage'));
    const rows = (await pipeline.exec()) ?? [];
    const read = (i: number) => {
      const [error, fields] = rows[i] ?? [null, {}];
      if (error) throw error;
      return fields as Record<string, string>;
    };

    const byDay: UsageReport['by_day'] = {};
    const windowModels = new Map<string, Sums>();
    dates.forEach((date, i) => {
      const models = perModel(read(i));
      if (models.size === 0) return;
      byDay[date] = summary(models);
      for (const [model, sums] of models) {
        const into = windowModels.get(model) ?? emptySums();
        addSums(into, sums);
        windowModels.set(model, into);
      }
    });
    const overall = summary(days === undefined ? perModel(read(dates.length)) : windowModels);
    return { ...overall, by_day: byDay };
  }
}
