import { hostname } from 'node:os';
import type { ServiceInstance, ServiceName } from '@switchboard/contracts/services';
import type { Logger } from './logger.js';
import type { RedisConnections } from './redis-connections.js';

/** Who this process is, as reported in heartbeats, pings and `/health`. */
export interface ServiceIdentity {
  name: ServiceName;
  version: string;
  instance: string;
  startedAt: Date;
}

/** This instance as heartbeats and announcements describe it. */
export function instanceRecord(identity: ServiceIdentity, now = new Date()): ServiceInstance {
  return {
    service: identity.name,
    instance: identity.instance,
    version: identity.version,
    host: hostname(),
    pid: process.pid,
    started_at: identity.startedAt.toISOString(),
    beat_at: now.toISOString(),
  };
}

/** The heartbeat store, injected so the lifecycle stays free of key layouts. */
export interface HeartbeatPort {
  beat(): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Shutdown runs stage by stage, in this order: say goodbye (drop the
 * heartbeat, announce it), stop taking HTTP requests and finish those in
 * flight, let workers finish their active jobs, close queues, and only then
 * close the Redis connections everything above was using.
 */
export const shutdownStages = ['announce', 'http', 'workers', 'queues', 'connections'] as const;
export type ShutdownStage = (typeof shutdownStages)[number];

type Closer = { name: string; close: () => Promise<unknown> };

export interface LifecycleOptions {
  identity: ServiceIdentity;
  logger: Logger;
  connections: RedisConnections;
  heartbeat: HeartbeatPort;
  heartbeatIntervalMs: number;
}

export class ServiceLifecycle {
  private readonly closers = new Map<ShutdownStage, Closer[]>(shutdownStages.map((stage) => [stage, []]));
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  get identity(): ServiceIdentity {
    return this.options.identity;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  uptimeSeconds(): number {
    return Math.round((Date.now() - this.options.identity.startedAt.getTime()) / 100) / 10;
  }

  onStop(stage: Exclude<ShutdownStage, 'connections'>, name: string, close: () => Promise<unknown>): void {
    this.closers.get(stage)?.push({ name, close });
  }

  /** Writes the first heartbeat (so the service is visible at once), then keeps beating. */
  async start(): Promise<void> {
    await this.options.heartbeat.beat();
    this.timer = setInterval(() => {
      this.options.heartbeat.beat().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'heartbeat failed');
      });
    }, this.options.heartbeatIntervalMs);
  }

  /** Idempotent: every caller waits for the same shutdown. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.runShutdown(reason);
    return this.stopping;
  }

  private async runShutdown(reason: string): Promise<void> {
    const { logger, heartbeat, connections } = this.options;
    const startedAt = performance.now();
    logger.info({ reason }, 'shutting down');
    clearInterval(this.timer);
    this.closers.get('announce')?.unshift({ name: 'heartbeat', close: () => heartbeat.clear() });
    this.closers.get('connections')?.push({ name: 'redis', close: () => connections.closeAll() });
    for (const stage of shutdownStages) {
      // Closers within a stage are independent, so they close together.
      await Promise.all(
        (this.closers.get(stage) ?? []).map(async ({ name, close }) => {
          try {
            await close();
          } catch (error) {
            logger.error({ err: error, stage, closer: name }, 'error while closing');
          }
        }),
      );
    }
    logger.info({ ms: Math.round(performance.now() - startedAt) }, 'stopped');
  }
}
