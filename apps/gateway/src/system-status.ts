import { randomUUID } from 'node:crypto';
import type { CheckResult, ServiceStatus, StatusBody } from '@switchboard/contracts/health';
import { type PingResult, queues } from '@switchboard/contracts/queues';
import {
  type ServiceName,
  type WorkerServiceName,
  workerServiceNames,
} from '@switchboard/contracts/services';
import { AppError } from '@switchboard/runtime/app-error';
import { configStatus } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { withTimeout } from '@switchboard/runtime/service-base';
import type { LiveInstance, ServiceRegistry } from '@switchboard/stores/service-registry';

/** How long a worker service has to answer a ping job before it counts as not consuming. */
export const pingTimeoutMs = 2_000;
/** Several callers within this window share one round of pings. */
const snapshotTtlMs = 1_000;

interface Probe {
  instances: LiveInstance[];
  ping?: { result: PingResult; ms: number };
  queue: ServiceStatus['queue'];
  reason?: string;
}

/**
 * The state of every service, from two independent signals: heartbeats
 * (the process is alive) and a `ping` job through its queue (it is consuming
 * work). Both must hold for `healthy`.
 */
export class SystemStatus {
  private snapshot: { at: number; body: Promise<StatusBody> } | undefined;

  constructor(
    private readonly service: ServiceBase,
    private readonly registry: ServiceRegistry,
  ) {}

  current(): Promise<StatusBody> {
    const now = Date.now();
    if (!this.snapshot || now - this.snapshot.at > snapshotTtlMs) {
      const body = this.collect();
      this.snapshot = { at: now, body };
      body.catch(() => {
        this.snapshot = undefined;
      });
    }
    return this.snapshot.body;
  }

  private async collect(): Promise<StatusBody> {
    const redis = await this.service.checkRedis();
    const services: Record<string, ServiceStatus> = {};
    if (!redis.ok) {
      services.gateway = this.self([]);
      for (const name of workerServiceNames)
        services[name] = summarize({ instances: [], queue: null, reason: 'redis unavailable' });
    } else {
      const live = await withTimeout(this.registry.liveByService(), 1_000, 'registry read timed out').catch(
        () => new Map<ServiceName, LiveInstance[]>(),
      );
      services.gateway = this.self(live.get('gateway') ?? []);
      const probes = await Promise.all(
        workerServiceNames.map((name) => this.probe(name, live.get(name) ?? [])),
      );
      workerServiceNames.forEach((name, index) => {
        services[name] = summarize(probes[index]!);
      });
    }
    const states = Object.values(services).map((status) => status.state);
    return {
      status: !redis.ok ? 'down' : states.every((state) => state === 'healthy') ? 'ok' : 'degraded',
      version: this.service.identity.version,
      uptime_s: this.service.lifecycle.uptimeSeconds(),
      timestamp: new Date().toISOString(),
      redis,
      services,
      config: configStatus(this.service.config),
    };
  }

  /** The gateway answers for itself: it is running this code. */
  private self(instances: LiveInstance[]): ServiceStatus {
    return {
      state: 'healthy',
      version: this.service.identity.version,
      uptime_s: this.service.lifecycle.uptimeSeconds(),
      instances: Math.max(1, instances.length),
      heartbeat_age_s: instances[0]?.age_s ?? null,
      ping_ms: 0,
      queue: null,
    };
  }

  private async probe(name: WorkerServiceName, instances: LiveInstance[]): Promise<Probe> {
    const producer = this.service.producer(queues[name]);
    const queue = await withTimeout(producer.depth(), 1_000, 'queue depth timed out').catch(() => null);
    // No heartbeat means no process: a ping would only wait out its timeout.
    if (instances.length === 0) return { instances, queue, reason: 'no heartbeat' };
    const startedAt = performance.now();
    let job: Awaited<ReturnType<typeof producer.add<'ping'>>> | undefined;
    try {
      job = await producer.add(
        'ping',
        { from: 'gateway', sentAt: new Date().toISOString() },
        { requestId: `status-${randomUUID()}`, jobId: `ping-${randomUUID()}`, attempts: 1 },
      );
      const result = await producer.waitFor(job, pingTimeoutMs);
      return { instances, queue, ping: { result, ms: Math.round(performance.now() - startedAt) } };
    } catch (error) {
      // A ping nobody took must not linger as work for a service that comes back.
      await job?.remove().catch(() => undefined);
      const timedOut = error instanceof AppError && error.code === 'SB_TIMEOUT';
      if (!timedOut) this.service.logger.warn({ err: error, peer: name }, 'ping failed');
      return {
        instances,
        queue,
        reason: timedOut ? `ping not answered within ${pingTimeoutMs} ms` : 'ping failed',
      };
    }
  }
}

function summarize(probe: Probe): ServiceStatus {
  const freshest = probe.instances[0];
  const uptimeFromHeartbeat = freshest ? (Date.now() - Date.parse(freshest.started_at)) / 1000 : null;
  const status: ServiceStatus = {
    state: probe.ping ? 'healthy' : freshest ? 'degraded' : 'down',
    version: probe.ping?.result.version ?? freshest?.version ?? null,
    uptime_s:
      probe.ping?.result.uptime_s ??
      (uptimeFromHeartbeat === null ? null : Math.round(uptimeFromHeartbeat * 10) / 10),
    instances: probe.instances.length,
    heartbeat_age_s: freshest ? Math.round(freshest.age_s * 10) / 10 : null,
    ping_ms: probe.ping?.ms ?? null,
    queue: probe.queue,
  };
  if (probe.reason) status.reason = probe.reason;
  return status;
}

/** A service's line in the gateway's `/ready`. */
export function readinessOf(status: ServiceStatus | undefined): CheckResult {
  if (status?.state === 'healthy') return { ok: true };
  return { ok: false, detail: status?.reason ?? status?.state ?? 'unknown' };
}
