import { createHash } from 'node:crypto';
import {
  type ChannelName,
  DeliveryTimeline,
  NotificationAccepted,
  NotificationBody,
  type Recipient,
} from '@switchboard/contracts/notifications';
import { queues } from '@switchboard/contracts/queues';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { Type } from 'typebox';
import type { Principal } from '../auth/principal.js';
import { registerChannelHealthRoute } from './channel-health-route.js';
import { registerOutboxRoute } from './outbox-route.js';
import { registerSmtpTestRoutes } from './smtp-test-routes.js';

const errorBody = { $ref: 'ErrorBody#' };

/** Where each channel finds its address in `to`. */
const addressField: Record<ChannelName, keyof Recipient> = {
  email: 'email',
  slack: 'slack',
  webhook: 'webhook_url',
};

/** Deeper template data than this is refused: it is never shown, and would overflow JSON encoding. */
const maxDataDepth = 8;

function deeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const inner of Object.values(current)) pending.push([inner, depth + 1]);
  }
  return false;
}

/** The same content gives the same fingerprint whatever its key order (depth is bounded above). */
function fingerprintOf(body: NotificationBody): string {
  const { idempotency_key: _key, ...content } = body;
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  };
  return createHash('sha256')
    .update(JSON.stringify(sorted(content)))
    .digest('hex');
}

/** Whose idempotency keys these are: two callers never share one. */
function callerOf(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'api_key':
      return `key:${principal.keyId}`;
    case 'session':
      return `session:${principal.sessionId}`;
    default:
      return 'anonymous';
  }
}

/**
 * `POST /api/notifications` (SPEC §4) hands a message to the notifications service and answers at
 * once; `GET /api/deliveries` shows how its delivery went (or a feedback request's: one id space).
 * Also registers the channel health, SMTP test and outbox routes.
 */
export function registerNotificationRoutes(app: HttpServer, service: ServiceBase): void {
  const deliveries = new DeliveryStore(service.redis, service.keys);
  const producer = service.producer(queues.notifications);

  app.post(
    '/api/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Send a message through chosen channels, in order (fallback) or all at once (broadcast)',
        description:
          'Answers 202 with the delivery id at once; `GET /api/deliveries?request_id=` shows the timeline. ' +
          'The same `idempotency_key` from the same caller gives the same delivery, sent once.',
        body: NotificationBody,
        response: {
          202: NotificationAccepted,
          409: {
            description: 'The idempotency key was used for another message (`SB_CONFLICT`).',
            ...errorBody,
          },
        },
      },
      config: { policy: 'scope:notify' },
    },
    async (request, reply) => {
      const body = request.body;
      const reachable = body.channels.filter((channel) => body.to[addressField[channel]] !== undefined);
      if (reachable.length === 0) {
        throw new AppError(
          'SB_VALIDATION',
          `\`to\` has no address for any chosen channel (${body.channels.join(', ')}).`,
        );
      }
      if (deeperThan(body.data, maxDataDepth)) {
        throw new AppError('SB_VALIDATION', `\`data\` is nested deeper than ${maxDataDepth} levels.`);
      }
      const accepted = await deliveries.accept(
        body.idempotency_key === undefined
          ? {}
          : {
              idempotencyKey: body.idempotency_key,
              scope: callerOf(request.principal),
              fingerprint: fingerprintOf(body),
            },
      );
      if (accepted.status === 'conflict') {
        throw new AppError(
          'SB_CONFLICT',
          `The idempotency key ${body.idempotency_key} was already used for a different message.`,
          { delivery_id: accepted.deliveryId },
        );
      }
      // Added again on a repeat too (the job id makes it one job): a first request that stopped between
      // recording and queueing still gets delivered. The worker never sends a delivered channel twice.
      await producer.add(
        'deliver',
        {
          delivery_id: accepted.deliveryId,
          message: {
            subject: body.subject,
            text: body.text,
            ...(body.html === undefined ? {} : { html: body.html }),
            ...(body.template === undefined ? {} : { template: body.template }),
            ...(body.data === undefined ? {} : { data: body.data }),
          },
          channels: body.channels,
          strategy: body.strategy ?? 'fallback',
          to: body.to,
        },
        { requestId: request.id, jobId: `deliver-${accepted.deliveryId}` },
      );
      return reply.status(202).send({ delivery_id: accepted.deliveryId });
    },
  );

  app.get(
    '/api/deliveries',
    {
      schema: {
        tags: ['notifications'],
        summary: "A delivery's timeline: queued, sending, sent, failed (why), skipped, fell back, answered…",
        querystring: Type.Object({
          request_id: Type.String({
            pattern: '^[A-Za-z0-9_.:-]{1,128}$',
            description: 'A delivery id (`POST /api/notifications`) or a feedback request id.',
          }),
        }),
        response: {
          200: DeliveryTimeline,
          404: { description: 'No delivery has that id (or it is older than 30 days).', ...errorBody },
        },
      },
      config: { policy: 'user' },
    },
    async (request) => {
      const id = request.query.request_id;
      const events = await deliveries.timeline(id);
      if (!events) throw new AppError('SB_NOT_FOUND', `No delivery ${id} is known.`);
      return { request_id: id, events };
    },
  );

  registerChannelHealthRoute(app, service);
  registerSmtpTestRoutes(app, service);
  registerOutboxRoute(app, service);
}
