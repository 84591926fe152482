import {
  type JobMeta,
  type JobName,
  type JobPayload,
  type JobResult,
  jobEnvelopeValidator,
  type QueueContract,
} from '@switchboard/contracts/queues';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { describeErrors } from './validation-message.js';

export interface JobContext {
  meta: JobMeta;
  jobId: string;
  attempt: number;
  logger: Logger;
  /**
   * Puts the job back to run again in `delayMs`, without spending an attempt
   * (e.g. a session's next turn waiting for the one before it). Never returns.
   */
  defer(delayMs: number): Promise<never>;
}

export type JobHandlers<Q extends QueueContract> = {
  [N in JobName<Q>]: (payload: JobPayload<Q, N>, context: JobContext) => Promise<JobResult<Q, N>>;
};

export interface WorkerOptions {
  /** A `worker` connection (`maxRetriesPerRequest: null`). */
  connection: Redis;
  queuePrefix: string;
  logger: Logger;
  metrics: ServiceMetrics;
  concurrency?: number;
  /** How long a job may run without its lock renewed before another worker takes it over. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The only way to take work off a queue. A job whose data does not match the
 * queue's contract fails at once as unrecoverable (retrying cannot fix it),
 * with the reason recorded on the job; so does a handler result that breaks
 * the contract, since that is a bug a retry would repeat.
 */
export function createQueueWorker<Q extends QueueContract>(
  contract: Q,
  handlers: JobHandlers<Q>,
  options: WorkerOptions,
): Worker {
  const queue = contract.name;
  const process = async (job: Job, token?: string): Promise<unknown> => {
    const startedAt = performance.now();
    const name = job.name as JobName<Q>;
    const labels = { queue, job: job.name };
    try {
      const jobContract = contract.jobs[name];
      const handler = handlers[name];
      if (!jobContract || !handler) throw new UnrecoverableError(`unknown job ${queue}.${job.name}`);
      if (!jobEnvelopeValidator.Check(job.data)) {
        throw new UnrecoverableError(
          `malformed job envelope: ${describeErrors(jobEnvelopeValidator.Errors(job.data)).join('; ')}`,
        );
      }
      const { meta, payload } = job.data;
      if (!jobContract.payloadValidator.Check(payload)) {
        const problems = describeErrors(jobContract.payloadValidator.Errors(payload));
        throw new UnrecoverableError(`invalid ${queue}.${job.name} payload: ${problems.join('; ')}`);
      }
      const logger = options.logger.child({ requestId: meta.requestId, queue, job: job.name, jobId: job.id });
      const result = await handler(payload as JobPayload<Q, typeof name>, {
        meta,
        jobId: job.id ?? '',
        attempt: job.attemptsMade + 1,
        logger,
        defer: async (delayMs) => {
          await job.moveToDelayed(Date.now() + delayMs, token);
          throw new DelayedError();
        },
      });
      if (!jobContract.resultValidator.Check(result)) {
        const problems = describeErrors(jobContract.resultValidator.Errors(result));
        throw new UnrecoverableError(`invalid ${queue}.${job.name} result: ${problems.join('; ')}`);
      }
      options.metrics.jobs.inc({ ...labels, outcome: 'completed' });
      return result;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const outcome = error instanceof UnrecoverableError ? 'rejected' : 'failed';
      options.metrics.jobs.inc({ ...labels, outcome });
      options.logger.warn(
        { err: error, queue, job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 },
        `job ${outcome}`,
      );
      throw error;
    } finally {
      options.metrics.jobDuration.observe(labels, (performance.now() - startedAt) / 1000);
    }
  };

  const worker = new Worker(queue, process, {
    connection: options.connection,
    prefix: options.queuePrefix,
    concurrency: options.concurrency ?? 4,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on('error', (error) => options.logger.error({ err: error, queue }, 'worker error'));
  return worker;
}
