import type {
  JobName,
  JobPayload,
  JobResult,
  PingPayload,
  PingResult,
  QueueContract,
} from '@switchboard/contracts/queues';
import { createQueueWorker, type JobContext, type JobHandlers } from './queue-worker.js';
import type { ServiceBase } from './service-base.js';

export interface ConsumeOptions {
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * Makes a service consume its queue: the worker gets its own blocking
 * connection, reports in `/ready`, and closes (finishing active jobs) in the
 * lifecycle's `workers` stage, before the connections go.
 */
export function consumeQueue<Q extends QueueContract>(
  service: ServiceBase,
  contract: Q,
  handlers: JobHandlers<Q>,
  options: ConsumeOptions = {},
) {
  const worker = createQueueWorker(contract, handlers, {
    connection: service.connections.create('worker', `${contract.name}-worker`),
    queuePrefix: service.keys.queuePrefix,
    logger: service.logger,
    metrics: service.metrics,
    ...options,
  });
  service.readinessChecks.set(`${contract.name}_worker`, () =>
    worker.isRunning() ? { ok: true } : { ok: false, detail: 'worker not running' },
  );
  service.lifecycle.onStop('workers', `${contract.name} worker`, () => worker.close());
  return worker;
}

/** The `ping` job every worker service answers: proof that it consumes its queue. */
export function answerPing(service: ServiceBase) {
  return async (_payload: PingPayload, _context: JobContext): Promise<PingResult> => ({
    service: service.identity.name,
    instance: service.identity.instance,
    version: service.identity.version,
    uptime_s: service.lifecycle.uptimeSeconds(),
  });
}

export type { JobContext, JobHandlers, JobName, JobPayload, JobResult };
