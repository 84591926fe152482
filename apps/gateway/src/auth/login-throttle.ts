import { createHash } from 'node:crypto';
import { AppError } from '@switchboard/runtime/app-error';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys (per dimension: `pair` = login name + IP, `account` = login name, `ip` = client IP;
 * login names are hashed so odd input cannot shape a key)
 *   {sb}:login-fails:<dimension>:<id>    STRING  attempts not yet proven good in the 15-minute window
 *   {sb}:login-block:<dimension>:<id>    STRING  present while blocked; PX = block length
 *   {sb}:login-strikes:<dimension>:<id>  STRING  blocks so far today: each block doubles the last (up to an hour)
 * An attempt is counted BEFORE the password is checked (one Lua script for all three dimensions), so a burst
 * of parallel guesses is counted as it arrives; a correct password gives its attempt back. The attempt past a
 * threshold starts a block and a fresh count, so once the block is over the owner can log in again.
 */

const windowS = 15 * 60;
const strikesTtlS = 24 * 3_600;
const maxBlockMs = 3_600_000;

// KEYS: fails, block, strikes per dimension (pair, account, ip). ARGV: thresholds x3, block ms, max block ms,
// window s, strikes ttl s.
const beginScript = `
for i = 0, 2 do
  local ttl = redis.call('PTTL', KEYS[i * 3 + 2])
  if ttl > 0 then return ttl end
end
local longest = 0
for i = 0, 2 do
  local fails = redis.call('INCR', KEYS[i * 3 + 1])
  if fails == 1 then redis.call('EXPIRE', KEYS[i * 3 + 1], ARGV[6]) end
  if fails > tonumber(ARGV[i + 1]) then
    local strikes = redis.call('INCR', KEYS[i * 3 + 3])
    redis.call('EXPIRE', KEYS[i * 3 + 3], ARGV[7])
    local block = math.floor(math.min(tonumber(ARGV[4]) * 2 ^ (strikes - 1), tonumber(ARGV[5])))
    redis.call('SET', KEYS[i * 3 + 2], '1', 'PX', block)
    redis.call('DEL', KEYS[i * 3 + 1])
    if block > longest then longest = block end
  end
end
return longest
`;

// KEYS: pair fails, pair strikes, account fails, ip fails. A counter that already expired is left alone.
const succeededScript = `
redis.call('DEL', KEYS[1], KEYS[2])
for i = 3, 4 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

export interface ThrottleSettings {
  /** Failed attempts of one login name from one IP that are let through before a block. */
  maxFailures: number;
  blockMs: number;
}

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly settings: ThrottleSettings,
  ) {}

  private dimensionKeys(login: string, ip: string): string[] {
    const account = createHash('sha256').update(login.toLowerCase()).digest('hex').slice(0, 32);
    return [
      ['pair', `${account}:${ip}`],
      ['account', account],
      ['ip', ip],
    ].flatMap(([name, id]) =>
      ['login-fails', 'login-block', 'login-strikes'].map((kind) => this.keys.key(kind, name!, id!)),
    );
  }

  /** Counts this attempt, or refuses it with 429 while any of its dimensions is blocked. */
  async begin(login: string, ip: string): Promise<void> {
    const { maxFailures, blockMs } = this.settings;
    // A single account tolerates more attempts across IPs, and an IP more across accounts.
    const blockedMs = (await this.redis.eval(
      beginScript,
      9,
      ...this.dimensionKeys(login, ip),
      maxFailures,
      maxFailures * 4,
      maxFailures * 10,
      blockMs,
      maxBlockMs,
      windowS,
      strikesTtlS,
    )) as number;
    if (blockedMs > 0) {
      const retryAfter = Math.max(1, Math.ceil(blockedMs / 1000));
      throw new AppError(
        'SB_RATE_LIMITED',
        `Too many failed logins; try again in ${retryAfter} s.`,
        undefined,
        {
          headers: { 'retry-after': String(retryAfter) },
        },
      );
    }
  }

  /** A correct password: this name+IP starts afresh, and the wider counters get the attempt back. */
  async succeeded(login: string, ip: string): Promise<void> {
    const [pairFails, , pairStrikes, accountFails, , , ipFails] = this.dimensionKeys(login, ip);
    await this.redis.eval(succeededScript, 4, pairFails!, pairStrikes!, accountFails!, ipFails!);
  }
}
