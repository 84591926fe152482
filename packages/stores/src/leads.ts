import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { sessionScopedKey } from './sessions.js';

/*
 * Keys
 *   {sb}:lead:<sessionId>     HASH   session_id, name, email, income (JSON LeadIncome), status, created_at,
 *                                    updated_at, completed_at, completed_by_turn.
 *                                    While active: EXPIRE = session idle TTL, renewed by `update` and `touch`.
 *                                    Once complete: PERSIST. A completed lead is a business record the operator
 *                                    was told about; it outlives its session and nothing here deletes it.
 *   {sb}:leads-completed      ZSET   session id by completion time (ms), for the admin list and counts.
 *   {sb}:lead-stats           HASH   all-time counters for 001's dashboard: `started`, `name_collected`,
 *                                    `email_collected`, `income_collected` (each lead counted once per field),
 *                                    `completed`. Never reset by deletes: they count what was collected.
 * Atomicity: `update` and `complete` are each one Lua script. `complete` checks that all three fields are
 * present and the status is active, then marks it complete, so exactly one call completes a lead (001 A6
 * [fix]: a second notification is impossible); a retry of the completing turn is recognised by its turn id.
 */

export const LeadIncome = Type.Object({
  /** What the user said. */
  raw: Type.String(),
  annual_usd_min: Type.Number({ minimum: 0 }),
  /** An open-ended answer ("200k+") carries the largest income the reader accepts. */
  annual_usd_max: Type.Number({ minimum: 0 }),
  /** 001 A11.9: income kept as a bucket, e.g. `100k-200k`. */
  bucket: Type.String(),
});
export type LeadIncome = Static<typeof LeadIncome>;

export const LeadStateSchema = Type.Object({
  session_id: Type.String(),
  name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  income: Type.Optional(LeadIncome),
  status: Type.Enum(['active', 'complete']),
  created_at: Type.String(),
  updated_at: Type.String(),
  completed_at: Type.Optional(Type.String()),
  completed_by_turn: Type.Optional(Type.String()),
});
export type LeadState = Static<typeof LeadStateSchema>;

export interface LeadFields {
  name?: string;
  email?: string;
  income?: LeadIncome;
}

export interface LeadStats {
  started: number;
  name_collected: number;
  email_collected: number;
  income_collected: number;
  completed: number;
}

const stateValidator = Compile(LeadStateSchema);
const incomeValidator = Compile(LeadIncome);
const maxListPage = 500;

// KEYS: lead, stats. ARGV: session id, now ISO, idle TTL s, then field/value pairs.
const updateScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'session_id', ARGV[1], 'status', 'active', 'created_at', ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'started', 1)
end
for i = 4, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then redis.call('HINCRBY', KEYS[2], ARGV[i] .. '_collected', 1) end
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[2])
if redis.call('HGET', KEYS[1], 'status') ~= 'complete' then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return redis.call('HGETALL', KEYS[1])
`;

// KEYS: lead, completed index, stats. ARGV: turn id, now ISO, now ms, session id.
const completeScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HGET', KEYS[1], 'status') == 'complete' then
  local outcome = 'completed_before'
  if redis.call('HGET', KEYS[1], 'completed_by_turn') == ARGV[1] then outcome = 'completed_by_this_turn' end
  return {outcome, unpack(redis.call('HGETALL', KEYS[1]))}
end
if redis.call('HEXISTS', KEYS[1], 'name') == 0 or redis.call('HEXISTS', KEYS[1], 'email') == 0
  or redis.call('HEXISTS', KEYS[1], 'income') == 0 then
  return {'incomplete', unpack(redis.call('HGETALL', KEYS[1]))}
end
redis.call('HSET', KEYS[1], 'status', 'complete', 'completed_at', ARGV[2], 'completed_by_turn', ARGV[1],
  'updated_at', ARGV[2])
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('HINCRBY', KEYS[3], 'completed', 1)
return {'completed_now', unpack(redis.call('HGETALL', KEYS[1]))}
`;

// KEYS: lead. ARGV: idle TTL s (for touch) or '' (for delete).
const activeOnlyScript = `
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 0 end
if ARGV[1] == '' then return redis.call('DEL', KEYS[1]) end
return redis.call('EXPIRE', KEYS[1], ARGV[1])
`;

function fromPairs(pairs: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[pairs[i]!] = pairs[i + 1]!;
  return fields;
}

/** The stored hash as a LeadState, or null when it is absent or does not match the schema. */
function parse(fields: Record<string, string>): LeadState | null {
  if (!fields.session_id) return null;
  try {
    const { income, ...rest } = fields;
    const state = income === undefined ? rest : { ...rest, income: JSON.parse(income) };
    return stateValidator.Check(state) ? state : null;
  } catch {
    return null;
  }
}

/**
 * 001's lead: the three slots collected in a session, and its one-way
 * transition to complete (which triggers the operator's notification).
 */
export class LeadStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly idleTtlS: number,
  ) {}

  private key(sessionId: string): string {
    return sessionScopedKey(this.keys, 'lead', sessionId);
  }

  private get completedKey(): string {
    return this.keys.key('leads-completed');
  }

  private get statsKey(): string {
    return this.keys.key('lead-stats');
  }

  async get(sessionId: string): Promise<LeadState | null> {
    return parse(await this.redis.hgetall(this.key(sessionId)));
  }

  /**
   * Sets the given fields (a later value corrects an earlier one), creating
   * the lead when it has none yet; returns the lead as it now stands.
   */
  async update(sessionId: string, fields: LeadFields, now = new Date()): Promise<LeadState> {
    const pairs: string[] = [];
    for (const name of ['name', 'email'] as const) {
      const value = fields[name];
      if (value === undefined) continue;
      if (value.trim() === '') throw new TypeError(`empty lead ${name}`);
      pairs.push(name, value);
    }
    if (fields.income !== undefined) {
      if (!incomeValidator.Check(fields.income)) throw new TypeError('invalid lead income');
      pairs.push('income', JSON.stringify(fields.income));
    }
    const rows = (await this.redis.eval(
      updateScript,
      2,
      this.key(sessionId),
      this.statsKey,
      sessionId,
      now.toISOString(),
      String(this.idleTtlS),
      ...pairs,
    )) as string[];
    const state = parse(fromPairs(rows));
    if (!state) throw new Error(`lead ${sessionId} is stored in an unreadable form`);
    return state;
  }

  /**
   * Completes the lead if all three fields are present and it is still
   * active. `completedNow` is true for the call that made the change and for
   * any repeat by the same turn (a retried turn enqueues its idempotent
   * notification again), false otherwise. A session without lead data reads
   * as a fresh, empty, active lead (nothing is stored).
   */
  async complete(
    sessionId: string,
    turnId: string,
    now = new Date(),
  ): Promise<{ completedNow: boolean; state: LeadState }> {
    const [outcome, ...rows] = (await this.redis.eval(
      completeScript,
      3,
      this.key(sessionId),
      this.completedKey,
      this.statsKey,
      turnId,
      now.toISOString(),
      String(now.getTime()),
      sessionId,
    )) as string[];
    if (outcome === 'missing') {
      const at = now.toISOString();
      return {
        completedNow: false,
        state: { session_id: sessionId, status: 'active', created_at: at, updated_at: at },
      };
    }
    const state = parse(fromPairs(rows));
    if (!state) throw new Error(`lead ${sessionId} is stored in an unreadable form`);
    return { completedNow: outcome === 'completed_now' || outcome === 'completed_by_this_turn', state };
  }

  /** Completed leads, most recently completed first. */
  async list({ offset, limit }: { offset: number; limit: number }): Promise<LeadState[]> {
    const start = Math.max(0, Math.floor(offset));
    const count = Math.min(Math.max(0, Math.floor(limit)), maxListPage);
    if (count === 0) return [];
    const ids = await this.redis.zrevrange(this.completedKey, start, start + count - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const rows = (await pipeline.exec()) ?? [];
    const leads: LeadState[] = [];
    const gone: string[] = [];
    rows.forEach(([error, fields], i) => {
      const state = error ? null : parse(fields as Record<string, string>);
      if (state) leads.push(state);
      else if (!error && Object.keys(fields as Record<string, string>).length === 0) gone.push(ids[i]!);
    });
    if (gone.length > 0) await this.redis.zrem(this.completedKey, ...gone);
    return leads;
  }

  async countCompleted(): Promise<number> {
    return this.redis.zcard(this.completedKey);
  }

  async stats(): Promise<LeadStats> {
    const fields = await this.redis.hgetall(this.statsKey);
    const read = (name: keyof LeadStats) => Number(fields[name] ?? 0);
    return {
      started: read('started'),
      name_collected: read('name_collected'),
      email_collected: read('email_collected'),
      income_collected: read('income_collected'),
      completed: read('completed'),
    };
  }

  /** Keeps an active lead as long as its session (call with the session's `touch`); a completed one has no expiry. */
  async touch(sessionId: string): Promise<void> {
    await this.redis.eval(activeOnlyScript, 1, this.key(sessionId), String(this.idleTtlS));
  }

  /** Removes an incomplete lead with its session; a completed lead stays. */
  async delete(sessionId: string): Promise<boolean> {
    return ((await this.redis.eval(activeOnlyScript, 1, this.key(sessionId), '')) as number) === 1;
  }
}
