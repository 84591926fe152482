import { HealthBody, StatusBody } from '@switchboard/contracts/health';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { SystemStatus } from './system-status.js';

/**
 * `/status` (000's README path) and `/api/status` (its real client path), and
 * `/api/health` (002's liveness path) beside the base `/health`.
 */
export function registerStatusRoutes(app: HttpServer, service: ServiceBase, status: SystemStatus): void {
  for (const url of ['/status', '/api/status']) {
    app.get(
      url,
      {
        schema: {
          summary: 'State of every service, queue depths and which integrations are configured',
          response: { 200: StatusBody },
        },
        config: { policy: 'open' },
      },
      () => status.current(),
    );
  }
  app.get(
    '/api/health',
    {
      schema: { summary: 'Liveness of the gateway', response: { 200: HealthBody } },
      config: { policy: 'open' },
    },
    async () => ({
      status: 'ok' as const,
      service: service.identity.name,
      version: service.identity.version,
      uptime_s: service.lifecycle.uptimeSeconds(),
    }),
  );
}
