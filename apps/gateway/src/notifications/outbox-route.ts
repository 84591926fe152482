import { OutboxList } from '@switchboard/contracts/notifications';
import { queues } from '@switchboard/contracts/queues';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ServiceRegistry } from '@switchboard/stores/service-registry';
import { Type } from 'typebox';

/** How long the notifications service has to list its outbox. */
const listDeadlineMs = 5_000;

/**
 * `GET /api/admin/outbox`: the emails written to the outbox folder when no
 * mail server is configured. The notifications service owns that folder (it
 * may run on another machine), so the gateway asks it through its queue.
 */
export function registerOutboxRoute(app: HttpServer, service: ServiceBase): void {
  const producer = service.producer(queues.notifications);
  const registry = new ServiceRegistry(service.redis, service.keys, service.config.heartbeatTtlS * 1000);
  app.get(
    '/api/admin/outbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'Emails written to the outbox folder (no mail server configured), newest first',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }),
        response: {
          200: OutboxList,
          503: { description: 'No notifications service is running (`SB_UNAVAILABLE`).', $ref: 'ErrorBody#' },
          504: {
            description: 'The notifications service did not answer in time (`SB_TIMEOUT`).',
            $ref: 'ErrorBody#',
          },
        },
      },
      config: { policy: 'admin' },
    },
    async (request) => {
      // Without a live notifications instance the job would only wait out its deadline.
      if (!(await registry.liveByService()).has('notifications')) {
        throw new AppError(
          'SB_UNAVAILABLE',
          'The notifications service is not running, so its outbox cannot be read.',
        );
      }
      const job = await producer.add(
        'list_outbox',
        { limit: request.query.limit ?? 50 },
        { requestId: request.id, attempts: 1 },
      );
      try {
        return await producer.waitFor(job, listDeadlineMs);
      } catch (error) {
        // Nobody took it: a listing asked for later must not run then.
        await job.remove().catch(() => undefined);
        throw error;
      }
    },
  );
}
