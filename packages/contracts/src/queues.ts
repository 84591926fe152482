import { type Static, type TSchema, Type } from 'typebox';
import type { Validator } from 'typebox/compile';
import { Compile } from 'typebox/compile';
import {
  AgentResumePayload,
  AgentResumeResult,
  SessionLogLinePayload,
  SessionLogLineResult,
  TurnPayload,
  TurnResult,
  UsageLogPayload,
  UsageLogResult,
} from './chat.js';
import {
  ChannelNameSchema,
  DeliverPayload,
  DeliverResult,
  ListOutboxPayload,
  OutboxList,
  SendTestEmailPayload,
  SendTestEmailResult,
} from './notifications.js';
import { ServiceNameSchema, type WorkerServiceName } from './services.js';

/**
 * What travels with every job besides its payload, so one request can be
 * followed across services in the logs.
 */
export const JobMeta = Type.Object({
  requestId: Type.String({ minLength: 1, maxLength: 128 }),
  traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' })),
  enqueuedAt: Type.String({ format: 'date-time' }),
});
export type JobMeta = Static<typeof JobMeta>;

/** The data of every BullMQ job: `{ meta, payload }`. */
export const JobEnvelope = Type.Object({ meta: JobMeta, payload: Type.Unknown() });
export const jobEnvelopeValidator = Compile(JobEnvelope);

/** TypeBox's validation context when a schema references no other schemas. */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the exact type Compile() gives a context-free schema.
export type NoContext = {};

export interface JobContract<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly payload: P;
  readonly result: R;
  readonly payloadValidator: Validator<NoContext, P>;
  readonly resultValidator: Validator<NoContext, R>;
}

export interface QueueContract<Jobs extends Record<string, JobContract> = Record<string, JobContract>> {
  readonly name: string;
  readonly jobs: Jobs;
}

export type JobName<Q extends QueueContract> = Extract<keyof Q['jobs'], string>;
export type JobPayload<Q extends QueueContract, N extends JobName<Q>> = Static<Q['jobs'][N]['payload']>;
export type JobResult<Q extends QueueContract, N extends JobName<Q>> = Static<Q['jobs'][N]['result']>;

export function defineJob<P extends TSchema, R extends TSchema>(payload: P, result: R): JobContract<P, R> {
  return { payload, result, payloadValidator: Compile(payload), resultValidator: Compile(result) };
}

export function defineQueue<const N extends string, Jobs extends Record<string, JobContract>>(
  name: N,
  jobs: Jobs,
): QueueContract<Jobs> & { readonly name: N } {
  return { name, jobs };
}

/** Asks a service instance to prove it is consuming its queue. */
export const PingPayload = Type.Object({
  from: ServiceNameSchema,
  sentAt: Type.String({ format: 'date-time' }),
});
export type PingPayload = Static<typeof PingPayload>;

export const PingResult = Type.Object({
  service: ServiceNameSchema,
  instance: Type.String(),
  version: Type.String(),
  uptime_s: Type.Number(),
});
export type PingResult = Static<typeof PingResult>;

const pingJob = defineJob(PingPayload, PingResult);

const FeedbackRef = Type.Object({ request_id: Type.String({ minLength: 1, maxLength: 128 }) });

/** Every queue, by the service that consumes it. */
export const queues = {
  chat: defineQueue('chat', {
    ping: pingJob,
    /** One user message: run the session's assistant, stream and store the reply. */
    turn: defineJob(TurnPayload, TurnResult),
    /** The agent's human answered (or did not in time): continue the conversation. */
    agent_resume: defineJob(AgentResumePayload, AgentResumeResult),
    /** Appends a line to the daily JSONL session log file (one writer for the file). */
    session_log: defineJob(SessionLogLinePayload, SessionLogLineResult),
    /** Reports a turn's usage to 002's usage service, retried until it takes it. */
    usage_log: defineJob(UsageLogPayload, UsageLogResult),
  }),
  notifications: defineQueue('notifications', {
    ping: pingJob,
    deliver: defineJob(DeliverPayload, DeliverResult),
    send_test_email: defineJob(SendTestEmailPayload, SendTestEmailResult),
    list_outbox: defineJob(ListOutboxPayload, OutboxList),
    /** A delayed job at a feedback request's expiry. */
    feedback_expire: defineJob(FeedbackRef, Type.Object({ expired: Type.Boolean() })),
    /** After the first answer: update every other channel's copy. */
    feedback_sync: defineJob(FeedbackRef, Type.Object({ updated: Type.Array(ChannelNameSchema) })),
    /** A Slack interactivity payload, verified and acknowledged by the gateway, processed here. */
    slack_interaction: defineJob(
      Type.Object({ payload: Type.String({ minLength: 2, maxLength: 100_000 }) }),
      Type.Object({ outcome: Type.String() }),
    ),
  }),
  integration: defineQueue('integration', { ping: pingJob }),
} as const satisfies Record<WorkerServiceName, QueueContract>;
