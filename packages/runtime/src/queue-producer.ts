import type { QueueDepth } from '@switchboard/contracts/health';
import type { JobMeta, JobName, JobPayload, JobResult, QueueContract } from '@switchboard/contracts/queues';
import { type Job, type KeepJobs, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError } from './app-error.js';
import { describeErrors } from './validation-message.js';

export interface ProducerOptions {
  /** A `commands` connection; shared with the rest of the service. */
  connection: Redis;
  /** Opens the dedicated blocking connection `waitFor` needs, on first use. */
  openBlocking: () => Redis;
  queuePrefix: string;
  retry: { baseMs: number; maxAttempts: number };
}

export interface EnqueueOptions {
  requestId: string;
  traceparent?: string;
  /** Idempotency key: a second add with the same id is the same job. */
  jobId?: string;
  delayMs?: number;
  /** Overrides the configured attempts, e.g. 1 for a ping. */
  attempts?: number;
  /** Overrides how many finished jobs are kept, e.g. fewer for jobs with large payloads. */
  keep?: { completed: KeepJobs; failed: KeepJobs };
}

export type EnqueuedJob<Q extends QueueContract, N extends JobName<Q>> = Job<
  { meta: JobMeta; payload: JobPayload<Q, N> },
  JobResult<Q, N>,
  N
>;

/**
 * The only way to put work on a queue: the payload is checked against the
 * queue's contract before it reaches Redis, and carries the request id.
 */
export class QueueProducer<Q extends QueueContract> {
  readonly queue: Queue;
  private events: QueueEvents | undefined;

  constructor(
    readonly contract: Q,
    private readonly options: ProducerOptions,
  ) {
    this.queue = new Queue(contract.name, {
      connection: options.connection,
      prefix: options.queuePrefix,
      defaultJobOptions: {
        attempts: options.retry.maxAttempts,
        backoff: { type: 'exponential', delay: options.retry.baseMs },
        removeOnComplete: { age: 3_600, count: 1_000 },
        removeOnFail: { age: 7 * 24 * 3_600, count: 5_000 },
      },
    });
    // Each request waiting on a job (`waitFor`) listens on the queue until it ends: many at once is normal.
    this.queue.setMaxListeners(0);
  }

  async add<N extends JobName<Q>>(
    name: N,
    payload: JobPayload<Q, N>,
    options: EnqueueOptions,
  ): Promise<EnqueuedJob<Q, N>> {
    const job = this.contract.jobs[name];
    if (!job) throw new AppError('SB_VALIDATION', `Queue ${this.contract.name} has no job named ${name}.`);
    if (!job.payloadValidator.Check(payload)) {
      const problems = describeErrors(job.payloadValidator.Errors(payload));
      throw new AppError(
        'SB_VALIDATION',
        `Invalid ${this.contract.name}.${name} job: ${problems.join('; ')}`,
        {
          problems,
        },
      );
    }
    const meta: JobMeta = { requestId: options.requestId, enqueuedAt: new Date().toISOString() };
    if (options.traceparent) meta.traceparent = options.traceparent;
    const added = await this.queue.add(
      name,
      { meta, payload },
      {
        ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
        ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
        ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
        ...(options.keep === undefined
          ? {}
          : { removeOnComplete: options.keep.completed, removeOnFail: options.keep.failed }),
      },
    );
    return added as EnqueuedJob<Q, N>;
  }

  /**
   * Waits for a job's result. Rejects with SB_TIMEOUT after `timeoutMs`, or
   * with the job's failure reason.
   */
  async waitFor<N extends JobName<Q>>(job: EnqueuedJob<Q, N>, timeoutMs: number): Promise<JobResult<Q, N>> {
    if (!this.events) {
      this.events = new QueueEvents(this.contract.name, {
        connection: this.options.openBlocking(),
        prefix: this.options.queuePrefix,
      });
      this.events.setMaxListeners(0);
      await this.events.waitUntilReady();
    }
    try {
      return (await job.waitUntilFinished(this.events, timeoutMs)) as JobResult<Q, N>;
    } catch (error) {
      if (error instanceof Error && /timed out/i.test(error.message)) {
        throw new AppError(
          'SB_TIMEOUT',
          `No ${this.contract.name} worker finished the job within ${timeoutMs} ms.`,
        );
      }
      throw error;
    }
  }

  async depth(): Promise<QueueDepth> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.queue.close();
  }
}
