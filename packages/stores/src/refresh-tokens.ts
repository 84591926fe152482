import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Refresh tokens are opaque (`sbr_<random>`); only their SHA-256 is stored.
 * Keys
 *   {sb}:refresh:<sha256>          HASH  family, user_id, state (active|rotated); PX = token lifetime
 *   {sb}:refresh-family:<family>   HASH  user_id, revoked (0|1); PX = token lifetime, renewed on rotation
 * Atomicity: rotation is one Lua script: it checks the token and its family, marks it rotated and stores
 * the successor; presenting an already-rotated token revokes the whole family in the same script.
 */

export type RotateOutcome =
  | { ok: true; token: string; userId: string; family: string }
  | { ok: false; reason: 'invalid' | 'revoked' | 'reused' };

const rotateScript = `
local token = redis.call('HGETALL', KEYS[1])
if #token == 0 then return {'invalid'} end
local fields = {}
for i = 1, #token, 2 do fields[token[i]] = token[i + 1] end
local familyKey = ARGV[2] .. fields['family']
if redis.call('HGET', familyKey, 'revoked') ~= '0' then return {'revoked'} end
if fields['state'] ~= 'active' then
  redis.call('HSET', familyKey, 'revoked', '1')
  return {'reused'}
end
redis.call('HSET', KEYS[1], 'state', 'rotated')
redis.call('HSET', KEYS[2], 'family', fields['family'], 'user_id', fields['user_id'], 'state', 'active')
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PEXPIRE', familyKey, ARGV[1])
return {'ok', fields['user_id'], fields['family']}
`;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class RefreshTokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly lifetimeMs: number,
  ) {}

  private tokenKey(token: string): string {
    return this.keys.key('refresh', hashToken(token));
  }

  private familyKey(family: string): string {
    return this.keys.key('refresh-family', family);
  }

  /** Starts a new family (a login) and returns its first token. */
  async issue(userId: string): Promise<{ token: string; family: string }> {
    const family = randomUUID();
    const token = `sbr_${randomBytes(32).toString('base64url')}`;
    await this.redis
      .multi()
      .hset(this.familyKey(family), 'user_id', userId, 'revoked', '0')
      .pexpire(this.familyKey(family), this.lifetimeMs)
      .hset(this.tokenKey(token), 'family', family, 'user_id', userId, 'state', 'active')
      .pexpire(this.tokenKey(token), this.lifetimeMs)
      .exec();
    return { token, family };
  }

  /** Exchanges a token for its successor; reuse of a rotated token revokes the family. */
  async rotate(token: string): Promise<RotateOutcome> {
    const next = `sbr_${randomBytes(32).toString('base64url')}`;
    const [outcome, userId, family] = (await this.redis.eval(
      rotateScript,
      2,
      this.tokenKey(token),
      this.tokenKey(next),
      String(this.lifetimeMs),
      this.keys.keyPrefix('refresh-family'),
    )) as [string, string?, string?];
    if (outcome === 'ok' && userId && family) return { ok: true, token: next, userId, family };
    return { ok: false, reason: outcome as 'invalid' | 'revoked' | 'reused' };
  }

  /** An expired family is already dead; only a live one is marked (so no key is left without a TTL). */
  async revokeFamily(family: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'revoked', '1') end return 1",
      1,
      this.familyKey(family),
    );
  }

  /** A family is live while it exists and has not been revoked (logout, reuse). */
  async isLive(family: string): Promise<boolean> {
    return (await this.redis.hget(this.familyKey(family), 'revoked')) === '0';
  }
}
