import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { errorBodyValidator } from '@switchboard/contracts/errors';
import { queues } from '@switchboard/contracts/queues';
import { workerServiceNames } from '@switchboard/contracts/services';
import { codeForStatus, errorBody, sendError } from '@switchboard/runtime/error-handler';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';

export const queueDashboardPath = '/admin/queues';

/**
 * bull-board at `/admin/queues`, for administrators only: every route the
 * dashboard registers is given the `admin` policy in its own encapsulated
 * scope, so none of them can be reached without it.
 */
export async function registerQueueDashboard(app: HttpServer, service: ServiceBase): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, policy: 'admin' };
      // bull-board installs its own error handler; the route-level one keeps the standard error body.
      route.errorHandler = sendError;
    });
    // bull-board answers its own failures (unknown queue, bad filter) in its own shape; clients get ours.
    scope.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
      let original: unknown;
      try {
        original = JSON.parse(payload);
      } catch {
        return payload;
      }
      if (errorBodyValidator.Check(original)) return payload;
      const key = (original as { error?: { key?: unknown } }).error?.key;
      const sentence =
        typeof key === 'string'
          ? `Queue dashboard: ${key}`
          : `Queue dashboard request failed (${reply.statusCode}).`;
      reply.header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(errorBody(request, codeForStatus(reply.statusCode), sentence, original));
    });
    const serverAdapter = new FastifyAdapter();
    createBullBoard({
      queues: workerServiceNames.map((name) => new BullMQAdapter(service.producer(queues[name]).queue)),
      serverAdapter,
    });
    serverAdapter.setBasePath(queueDashboardPath);
    await scope.register(serverAdapter.registerPlugin(), { prefix: queueDashboardPath });
  });
}
