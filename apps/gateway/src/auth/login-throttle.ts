import { createHash } from 'node:crypto';
import { AppError } from '@switchboard/runtime/app-error';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys (per dimension: `pair` = login name + IP, `account` = login name, `ip` = client IP;
 * login names are hashed so odd input cannot shape a key)
 *   {sb}:login-fails:<dimension>:<id>   STRING  failures in the current 15-minute window (INCR, EX 900)
 *   {sb}:login-block:<dimension>:<id>   STRING  present while blocked; PX = block length
 * A block starts at the dimension's threshold and doubles with every further failure, up to an hour.
 */

const windowS = 15 * 60;
const maxBlockMs = 3_600_000;

export interface ThrottleSettings {
  /** Failures of one login name from one IP before it is blocked. */
  maxFailures: number;
  blockMs: number;
}

type Dimension = { name: 'pair' | 'account' | 'ip'; id: string; threshold: number };

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly settings: ThrottleSettings,
  ) {}

  private dimensions(login: string, ip: string): Dimension[] {
    const account = createHash('sha256').update(login.toLowerCase()).digest('hex').slice(0, 32);
    const { maxFailures } = this.settings;
    // A single account tolerates more failures across IPs, so an attacker cannot lock a user out cheaply.
    return [
      { name: 'pair', id: `${account}:${ip}`, threshold: maxFailures },
      { name: 'account', id: account, threshold: maxFailures * 4 },
      { name: 'ip', id: ip, threshold: maxFailures * 10 },
    ];
  }

  /** Refuses with 429 while any dimension of this attempt is blocked. */
  async check(login: string, ip: string): Promise<void> {
    const blocks = await Promise.all(
      this.dimensions(login, ip).map((dimension) =>
        this.redis.pttl(this.keys.key('login-block', dimension.name, dimension.id)),
      ),
    );
    const longest = Math.max(...blocks);
    if (longest > 0) {
      const retryAfter = Math.max(1, Math.ceil(longest / 1000));
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

  async recordFailure(login: string, ip: string): Promise<void> {
    for (const dimension of this.dimensions(login, ip)) {
      const failsKey = this.keys.key('login-fails', dimension.name, dimension.id);
      const [[, fails]] = (await this.redis
        .multi()
        .incr(failsKey)
        .expire(failsKey, windowS, 'NX')
        .exec()) as [[unknown, number], unknown];
      if (fails >= dimension.threshold) {
        const blockMs = Math.min(this.settings.blockMs * 2 ** (fails - dimension.threshold), maxBlockMs);
        await this.redis.set(this.keys.key('login-block', dimension.name, dimension.id), '1', 'PX', blockMs);
      }
    }
  }

  /** A successful login clears its own name+IP record; the wider counters keep their window. */
  async recordSuccess(login: string, ip: string): Promise<void> {
    const [pair] = this.dimensions(login, ip);
    if (pair) await this.redis.del(this.keys.key('login-fails', pair.name, pair.id));
  }
}
