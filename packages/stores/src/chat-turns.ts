import { createHash } from 'node:crypto';
import type { TurnResult } from '@switchboard/contracts/chat';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { sessionScopedKey } from './sessions.js';

/*
 * Keys
 *   {sb}:turns:<sessionId>   HASH   `seq`: the last order number given; `done`: the highest finished one;
 *                                   `t:<turnId>`: JSON TurnRecord; `s:<seq>`: the turn id holding that place.
 *                                   EXPIRE = session idle TTL, renewed by every accept and finish.
 * Atomicity: `accept` is one script, so a turn id gets one place in the order however often it is sent,
 * and places follow arrival. `finish` is one script that moves `done` forward over consecutive finished
 * places only: a later turn closed early (lost) never lets the one after it overtake a turn still running.
 */

export type TurnStatus = 'queued' | 'done';

export interface TurnRecord {
  seq: number;
  status: TurnStatus;
  /** When the turn was accepted (ms since the epoch). */
  accepted_at?: number;
  /** The session generation (`token_nonce`) it belongs to. */
  gen?: string;
  result?: TurnResult;
}

export interface Acceptance {
  record: TurnRecord;
  /** False when this turn id was sent before: the caller gets that turn, not a new one. */
  isNew: boolean;
}

/** Whether a turn may run now: its predecessor is finished (`ready`), or not yet (`waiting` on that one). */
export type TurnGate =
  | { kind: 'ready' }
  | { kind: 'finished'; record: TurnRecord }
  | { kind: 'waiting'; predecessorTurnId: string | null; predecessorSeq: number };

// ARGV: turn id, TTL s, now ms, the session's generation (its token_nonce; '' for none).
const acceptScript = `
local existing = redis.call('HGET', KEYS[1], 't:' .. ARGV[1])
if existing and string.find(existing, '"gen":"' .. ARGV[4] .. '"', 1, true) then return {0, existing} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local record = '{"seq":' .. seq .. ',"status":"queued","accepted_at":' .. ARGV[3] .. ',"gen":"' .. ARGV[4] .. '"}'
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], record, 's:' .. seq, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, record}
`;

// ARGV: turn id, seq, the record, TTL s, the generation it must still have ('' when closing a lost place).
const finishScript = `
if ARGV[5] ~= '' then
  local current = redis.call('HGET', KEYS[1], 't:' .. ARGV[1])
  if not current or not string.find(current, '"gen":"' .. ARGV[5] .. '"', 1, true) then return -1 end
end
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], ARGV[3])
if redis.call('HEXISTS', KEYS[1], 's:' .. ARGV[2]) == 0 then redis.call('HSET', KEYS[1], 's:' .. ARGV[2], ARGV[1]) end
local done = tonumber(redis.call('HGET', KEYS[1], 'done') or '0')
while true do
  local id = redis.call('HGET', KEYS[1], 's:' .. (done + 1))
  if not id then break end
  local record = redis.call('HGET', KEYS[1], 't:' .. id)
  if not record or not string.find(record, '"status":"done"', 1, true) then break end
  done = done + 1
end
redis.call('HSET', KEYS[1], 'done', done)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return done
`;

/**
 * The turns of each session: their order (SPEC issue 6: "turns of one
 * session run in order, never two at once") and their results, so a repeated
 * `client_message_id` gets the same reply (SPEC §4 "Turn idempotency").
 */
export class ChatTurnStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly idleTtlS: number,
  ) {}

  private key(sessionId: string): string {
    return sessionScopedKey(this.keys, 'turns', sessionId);
  }

  /**
   * Gives a new turn its place in the session's order; a known turn id returns its record. `generation`
   * is the session's `token_nonce`: a record left by an earlier session of the same id is not this turn.
   */
  async accept(sessionId: string, turnId: string, generation: string, now = Date.now()): Promise<Acceptance> {
    const [isNew, json] = (await this.redis.eval(
      acceptScript,
      1,
      this.key(sessionId),
      turnId,
      String(this.idleTtlS),
      String(now),
      generation,
    )) as [number, string];
    return { isNew: isNew === 1, record: JSON.parse(json) as TurnRecord };
  }

  async get(sessionId: string, turnId: string): Promise<TurnRecord | null> {
    const json = await this.redis.hget(this.key(sessionId), `t:${turnId}`);
    return json === null ? null : (JSON.parse(json) as TurnRecord);
  }

  /** Decides whether turn `turnId` (at `seq`) may run now. */
  async gate(sessionId: string, turnId: string, seq: number): Promise<TurnGate> {
    const key = this.key(sessionId);
    const [json, done, predecessor] = await this.redis.hmget(key, `t:${turnId}`, 'done', `s:${seq - 1}`);
    const record = json ? (JSON.parse(json) as TurnRecord) : null;
    if (record?.status === 'done') return { kind: 'finished', record };
    if (Number(done ?? 0) >= seq - 1) return { kind: 'ready' };
    return { kind: 'waiting', predecessorTurnId: predecessor ?? null, predecessorSeq: seq - 1 };
  }

  /**
   * Stores the turn's result and lets the next one run; nothing happens when the turn no longer has
   * that generation (its session was deleted meanwhile). Without a generation (a lost place being
   * closed) it is written as it is.
   */
  async finish(
    sessionId: string,
    turnId: string,
    seq: number,
    generation: string | undefined,
    result?: TurnResult,
  ): Promise<void> {
    const record: TurnRecord = {
      seq,
      status: 'done',
      ...(generation === undefined ? {} : { gen: generation }),
      ...(result === undefined ? {} : { result }),
    };
    await this.redis.eval(
      finishScript,
      1,
      this.key(sessionId),
      turnId,
      String(seq),
      JSON.stringify(record),
      String(this.idleTtlS),
      generation ?? '',
    );
  }

  async delete(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }
}

/**
 * Whose turn ids a job id is unique among: a session's generation (a later
 * session that takes the same id has its own), or a caller without a session.
 */
export function sessionScope(session: { id: string; token_nonce: string }): string {
  return `session:${session.id}#${session.token_nonce}`;
}

/**
 * The BullMQ job id of a turn: stable within its scope (a resent turn is the
 * same job) and free of the characters BullMQ refuses in ids (session ids and
 * client message ids may hold `:`).
 */
export function turnJobId(scope: string, turnId: string): string {
  return `turn-${createHash('sha256').update(`${scope}\0${turnId}`).digest('hex').slice(0, 40)}`;
}
