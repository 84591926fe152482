import { type Static, type TSchema, Type } from 'typebox';
import type { Validator } from 'typebox/compile';
import { Compile } from 'typebox/compile';
import type { NoContext } from './queues.js';
import { ServiceInstance, ServiceNameSchema } from './services.js';
import { SessionEventEntry } from './session-events.js';

/**
 * A pub/sub topic. `channel(param)` names the Redis channel under
 * `<prefix>:events:`; parameterised topics (one per session, per user) take
 * the id, the others take nothing.
 */
export interface TopicContract<E extends TSchema = TSchema> {
  readonly name: string;
  readonly pattern: string;
  readonly event: E;
  readonly eventValidator: Validator<NoContext, E>;
  channel(param?: string): string;
}

export type TopicEvent<T extends TopicContract> = Static<T['event']>;

const topicParam = /^[A-Za-z0-9_.:-]{1,128}$/;

function defineTopic<E extends TSchema>(name: string, event: E, parameterised: boolean): TopicContract<E> {
  return {
    name,
    pattern: parameterised ? `${name}:<id>` : name,
    event,
    eventValidator: Compile(event),
    channel(param) {
      if (!parameterised) return name;
      if (param === undefined || !topicParam.test(param)) {
        throw new TypeError(`topic ${name} needs an id matching ${topicParam}`);
      }
      return `${name}:${param}`;
    },
  };
}

/** Service instances announcing themselves and their departure. */
export const SystemEvent = Type.Union([
  Type.Object({ type: Type.Literal('service_started'), instance: ServiceInstance }),
  Type.Object({
    type: Type.Literal('service_stopping'),
    service: ServiceNameSchema,
    instance: Type.String(),
    reason: Type.String(),
  }),
]);
export type SystemEvent = Static<typeof SystemEvent>;

/**
 * What a user's own sockets (`/api/ws`, 003) are told: feedback requests for
 * them and their outcome, and status changes. The event names are 003's.
 */
export const UserEvent = Type.Object({
  event: Type.Enum(['feedback_request', 'feedback_resolved', 'feedback_expired', 'status']),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type UserEvent = Static<typeof UserEvent>;

export const topics = {
  system: defineTopic('system', SystemEvent, false),
  /** `session:<id>`: each entry appended to that session's event stream, as stored. */
  session: defineTopic('session', SessionEventEntry, true),
  /** `user:<id>`: events for one user, whichever session or channel they concern. */
  user: defineTopic('user', UserEvent, true),
} as const;
