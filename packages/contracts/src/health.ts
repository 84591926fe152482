import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { ServiceInstance, ServiceNameSchema } from './services.js';

/** `GET /health`: the process is alive. Shape shared by 001 and 002. */
export const HealthBody = Type.Object(
  {
    status: Type.Literal('ok'),
    service: ServiceNameSchema,
    version: Type.String(),
    uptime_s: Type.Number(),
    timestamp: Type.String({ format: 'date-time' }),
    /** 002's field: whether a language model (not the offline one) is configured. */
    openai_configured: Type.Boolean(),
  },
  {
    $id: 'HealthBody',
    examples: [
      {
        status: 'ok',
        service: 'gateway',
        version: '0.1.0',
        uptime_s: 12.5,
        timestamp: '2026-01-02T10:00:00.000Z',
        openai_configured: false,
      },
    ],
  },
);
export type HealthBody = Static<typeof HealthBody>;

export const CheckResult = Type.Object({
  ok: Type.Boolean(),
  detail: Type.Optional(Type.String()),
  latency_ms: Type.Optional(Type.Number()),
});
export type CheckResult = Static<typeof CheckResult>;

/** `GET /ready`: 200 when every check passes, 503 with the same body otherwise. */
export const ReadyBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
    service: ServiceNameSchema,
    checks: Type.Record(Type.String(), CheckResult),
  },
  { $id: 'ReadyBody' },
);
export type ReadyBody = Static<typeof ReadyBody>;

export const QueueDepth = Type.Object({
  waiting: Type.Integer(),
  active: Type.Integer(),
  delayed: Type.Integer(),
  failed: Type.Integer(),
});
export type QueueDepth = Static<typeof QueueDepth>;

export const ServiceState = Type.Union([
  Type.Literal('healthy'),
  Type.Literal('degraded'),
  Type.Literal('down'),
]);
export type ServiceState = Static<typeof ServiceState>;

export const ServiceStatus = Type.Object({
  state: ServiceState,
  version: Type.Union([Type.String(), Type.Null()]),
  uptime_s: Type.Union([Type.Number(), Type.Null()]),
  instances: Type.Integer({ description: 'Instances with a fresh heartbeat.' }),
  heartbeat_age_s: Type.Union([Type.Number(), Type.Null()]),
  ping_ms: Type.Union([Type.Number(), Type.Null()], {
    description: 'Round trip of a ping job; null when unanswered.',
  }),
  queue: Type.Union([QueueDepth, Type.Null()], { description: 'Null for the gateway, which has no queue.' }),
  reason: Type.Optional(Type.String()),
});
export type ServiceStatus = Static<typeof ServiceStatus>;

/** What an administrator also sees on `/status`. */
export const StatusDetail = Type.Object({
  requests: Type.Object(
    {
      total: Type.Integer(),
      succeeded: Type.Integer(),
      failed: Type.Integer({ description: 'Answered 4xx or 5xx.' }),
      server_errors: Type.Integer({ description: 'Answered 5xx.' }),
      success_rate: Type.Union([Type.Number(), Type.Null()]),
    },
    { description: 'Requests this gateway instance answered since it started.' },
  ),
  active_sessions: Type.Integer(),
  active_sockets: Type.Integer({ description: 'WebSocket connections open on this gateway instance.' }),
  instances: Type.Array(ServiceInstance),
});
export type StatusDetail = Static<typeof StatusDetail>;

/** `GET /status`: the public summary of the whole system. */
export const StatusBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
    version: Type.String(),
    uptime_s: Type.Number(),
    timestamp: Type.String({ format: 'date-time' }),
    redis: CheckResult,
    services: Type.Record(Type.String(), ServiceStatus),
    config: Type.Record(Type.String(), Type.Boolean(), {
      description: 'Which optional integrations are configured. Never the settings themselves.',
    }),
    detail: Type.Optional(StatusDetail),
  },
  { $id: 'StatusBody' },
);
export type StatusBody = Static<typeof StatusBody>;

export const healthBodyValidator = Compile(HealthBody);
export const readyBodyValidator = Compile(ReadyBody);
export const statusBodyValidator = Compile(StatusBody);
