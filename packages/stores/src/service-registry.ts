import { ServiceInstance, type ServiceName } from '@switchboard/contracts/services';
import { type HeartbeatPort, instanceRecord, type ServiceIdentity } from '@switchboard/runtime/lifecycle';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { HeartbeatFactory } from '@switchboard/runtime/service-base';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';

/*
 * Keys
 *   {sb}:heartbeat:<service>:<instance>  STRING  JSON ServiceInstance; PX = heartbeat TTL.
 *                                                 Present = the instance is alive.
 *   {sb}:services                         ZSET    member "<service>:<instance>", score = last beat (ms).
 *                                                 An index, so listing needs no SCAN; members older
 *                                                 than a day are trimmed on every beat.
 * Atomicity: a beat and a clear each write both keys in one MULTI.
 */

const indexRetentionMs = 24 * 3_600_000;
const instanceValidator = Compile(ServiceInstance);

export interface LiveInstance extends ServiceInstance {
  age_s: number;
}

export class ServiceRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
  ) {}

  private heartbeatKey(service: string, instance: string): string {
    return this.keys.key('heartbeat', service, instance);
  }

  private get indexKey(): string {
    return this.keys.key('services');
  }

  async beat(identity: ServiceIdentity, now = new Date()): Promise<void> {
    const record = instanceRecord(identity, now);
    await this.redis
      .multi()
      .set(this.heartbeatKey(identity.name, identity.instance), JSON.stringify(record), 'PX', this.ttlMs)
      .zadd(this.indexKey, now.getTime(), `${identity.name}:${identity.instance}`)
      .zremrangebyscore(this.indexKey, '-inf', now.getTime() - indexRetentionMs)
      .exec();
  }

  async clear(identity: Pick<ServiceIdentity, 'name' | 'instance'>): Promise<void> {
    await this.redis
      .multi()
      .del(this.heartbeatKey(identity.name, identity.instance))
      .zrem(this.indexKey, `${identity.name}:${identity.instance}`)
      .exec();
  }

  /** Instances whose heartbeat has not expired, newest beat first. */
  async live(now = Date.now()): Promise<LiveInstance[]> {
    const members = await this.redis.zrangebyscore(this.indexKey, now - this.ttlMs, '+inf');
    if (members.length === 0) return [];
    const keys = members.map((member) => {
      const split = member.indexOf(':');
      return this.heartbeatKey(member.slice(0, split), member.slice(split + 1));
    });
    const values = await this.redis.mget(...keys);
    const instances: LiveInstance[] = [];
    for (const value of values) {
      if (value === null) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        continue;
      }
      if (!instanceValidator.Check(parsed)) continue;
      instances.push({ ...parsed, age_s: Math.max(0, (now - Date.parse(parsed.beat_at)) / 1000) });
    }
    return instances.sort((a, b) => a.age_s - b.age_s);
  }

  async liveByService(now = Date.now()): Promise<Map<ServiceName, LiveInstance[]>> {
    const byService = new Map<ServiceName, LiveInstance[]>();
    for (const instance of await this.live(now)) {
      const list = byService.get(instance.service) ?? [];
      list.push(instance);
      byService.set(instance.service, list);
    }
    return byService;
  }

  /** The lifecycle's heartbeat port for one instance. */
  heartbeatFor(identity: ServiceIdentity): HeartbeatPort {
    return { beat: () => this.beat(identity), clear: () => this.clear(identity) };
  }
}

/** Heartbeats of a service written into the registry (the runtime's `HeartbeatFactory`). */
export const registryHeartbeat: HeartbeatFactory = (redis, keys, identity, ttlMs) =>
  new ServiceRegistry(redis, keys, ttlMs).heartbeatFor(identity);
