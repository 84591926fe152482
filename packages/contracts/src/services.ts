import { type Static, Type } from 'typebox';

/** The four processes that make up Switchboard. */
export const serviceNames = ['gateway', 'chat', 'notifications', 'integration'] as const;
export type ServiceName = (typeof serviceNames)[number];
export const ServiceNameSchema = Type.Enum(serviceNames);

/** The services that do their work from a queue of their own (all but the gateway). */
export const workerServiceNames = [
  'chat',
  'notifications',
  'integration',
] as const satisfies readonly ServiceName[];
export type WorkerServiceName = (typeof workerServiceNames)[number];

/** What each running instance writes into its heartbeat. */
export const ServiceInstance = Type.Object({
  service: ServiceNameSchema,
  instance: Type.String(),
  version: Type.String(),
  host: Type.String(),
  pid: Type.Integer(),
  started_at: Type.String({ format: 'date-time' }),
  beat_at: Type.String({ format: 'date-time' }),
});
export type ServiceInstance = Static<typeof ServiceInstance>;
