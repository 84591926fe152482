import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * API keys look like `sbk_<id>_<secret>`; the secret is shown once and only its SHA-256 is kept.
 * Keys
 *   {sb}:api-key:<id>   STRING  JSON ApiKeyRecord (with secret_sha256)
 *   {sb}:api-keys       ZSET    key ids by creation time (for listing)
 * Revoking deletes the record, so a revoked key fails like an unknown one.
 */

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
  created_at: string;
  created_by: string;
  secret_sha256: string;
}

export type ApiKeySummary = Omit<ApiKeyRecord, 'secret_sha256'>;

const keyShape = /^sbk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time equality of two secrets of any length (both are hashed first). */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(input: {
    name: string;
    scopes: string[];
    createdBy: string;
  }): Promise<{ key: string; record: ApiKeySummary }> {
    const id = randomUUID().replaceAll('-', '');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      id,
      name: input.name,
      scopes: [...new Set(input.scopes)].sort(),
      created_at: new Date().toISOString(),
      created_by: input.createdBy,
      secret_sha256: sha256(secret).toString('hex'),
    };
    await this.redis
      .multi()
      .set(this.keys.key('api-key', id), JSON.stringify(record))
      .zadd(this.keys.key('api-keys'), Date.now(), id)
      .exec();
    const { secret_sha256: _hidden, ...summary } = record;
    return { key: `sbk_${id}_${secret}`, record: summary };
  }

  /** The key's record when the presented key is genuine; null otherwise. */
  async verify(presented: string): Promise<ApiKeySummary | null> {
    const match = keyShape.exec(presented);
    if (!match) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const value = await this.redis.get(this.keys.key('api-key', id));
    if (value === null) return null;
    const { secret_sha256: expected, ...summary } = JSON.parse(value) as ApiKeyRecord;
    return timingSafeEqual(sha256(secret), Buffer.from(expected, 'hex')) ? summary : null;
  }

  async list(): Promise<ApiKeySummary[]> {
    const ids = await this.redis.zrange(this.keys.key('api-keys'), 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.key('api-key', id)));
    return values.flatMap((value) => {
      if (value === null) return [];
      const { secret_sha256: _hidden, ...summary } = JSON.parse(value) as ApiKeyRecord;
      return [summary];
    });
  }

  async revoke(id: string): Promise<boolean> {
    if (!/^[0-9a-f]{32}$/.test(id)) return false;
    const [[, deleted]] = (await this.redis
      .multi()
      .del(this.keys.key('api-key', id))
      .zrem(this.keys.key('api-keys'), id)
      .exec()) as [[unknown, number], [unknown, number]];
    return deleted === 1;
  }
}
