import { StatusBody } from '@switchboard/contracts/health';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { SystemStatus } from './system-status.js';

/** `/status` (000's README path) and `/api/status` (its real client path). */
export function registerStatusRoutes(app: HttpServer, status: SystemStatus): void {
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
}
