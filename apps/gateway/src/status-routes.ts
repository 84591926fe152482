import { StatusBody, type StatusDetail } from '@switchboard/contracts/health';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { isAdmin, type Principal } from './auth/principal.js';
import type { SystemStatus } from './system-status.js';

function mayReadDetail(principal: Principal): boolean {
  return (
    isAdmin(principal) ||
    (principal.kind === 'api_key' && principal.scopes.some((scope) => scope === 'read' || scope === 'ops'))
  );
}

/**
 * `/status` (000's README path) and `/api/status` (its real client path):
 * the summary for anyone, plus `detail` for administrators and keys with the
 * `read` or `ops` scope.
 */
export function registerStatusRoutes(
  app: HttpServer,
  status: SystemStatus,
  detail: () => Promise<StatusDetail>,
): void {
  for (const url of ['/status', '/api/status']) {
    app.get(
      url,
      {
        schema: {
          summary: 'State of every service, queue depths and which integrations are configured',
          response: { 200: StatusBody },
        },
        // A monitor must reach /status exactly when things go wrong, Redis included; the snapshot is cached.
        config: { policy: 'open', rateLimit: false },
      },
      async (request) => {
        const summary = await status.current();
        return mayReadDetail(request.principal) ? { ...summary, detail: await detail() } : summary;
      },
    );
  }
}
