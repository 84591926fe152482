import { serviceNames } from '@switchboard/contracts/services';
import type { Config } from '@switchboard/runtime/config';
import { packageVersion } from '@switchboard/runtime/run-main';
import { ServiceBase, type ServiceBaseOptions } from '@switchboard/runtime/service-base';
import { registryHeartbeat, ServiceRegistry } from '@switchboard/stores/service-registry';
import { SessionStore } from '@switchboard/stores/sessions';
import { authPlugin } from './auth/auth-plugin.js';
import { policyPlugin } from './auth/policy-plugin.js';
import { catalogRoutes } from './auth/route-catalog.js';
import { registerChannelRoutes } from './channels/channel-routes.js';
import { registerChatDataRoutes } from './chat-data/chat-data-routes.js';
import { docsPlugin } from './docs/docs-plugin.js';
import { registerFeedbackRoutes } from './feedback/feedback-routes.js';
import { httpHygienePlugin } from './http-hygiene/http-hygiene-plugin.js';
import { registerNotificationRoutes } from './notifications/notification-routes.js';
import { registerQueueDashboard } from './queue-dashboard.js';
import { rateLimitPlugin } from './rate-limit/rate-limit-plugin.js';
import { type RealtimeTuning, realtimePlugin } from './realtime/realtime-plugin.js';
import { registerSessionRoutes } from './session-routes.js';
import { statusDetail } from './status-detail.js';
import { registerStatusRoutes } from './status-routes.js';
import { followSystemEvents } from './system-events.js';
import { readinessOf, SystemStatus } from './system-status.js';

/** The gateway: the only public door. Tests call this directly. */
export async function buildApp(
  config: Config,
  options: Pick<ServiceBaseOptions, 'logDestination'> & { realtime?: RealtimeTuning } = {},
) {
  const { realtime, ...serviceOptions } = options;
  const service = await ServiceBase.create({
    name: 'gateway',
    version: packageVersion(import.meta.url),
    config,
    heartbeat: registryHeartbeat,
    ...serviceOptions,
    metricsPolicy: 'scope:read',
    // Order matters: hygiene and docs must see every route; the principal is
    // resolved before rate limits pick a budget, and policies are enforced last.
    httpSetup: async (app, service) => {
      const sessions = new SessionStore(service.redis, service.keys, service.config.sessions.idleTtlS);
      catalogRoutes(app);
      await app.register(httpHygienePlugin, { config: service.config });
      await app.register(docsPlugin, { service });
      await app.register(authPlugin, { service, sessions });
      await app.register(rateLimitPlugin, { service });
      await app.register(policyPlugin, { sessions });
      registerSessionRoutes(app, service, sessions);
      registerChatDataRoutes(app, service, sessions);
      registerNotificationRoutes(app, service);
      await registerFeedbackRoutes(app, service, sessions);
      await registerChannelRoutes(app, service);
      await registerQueueDashboard(app, service);
      const registry = new ServiceRegistry(service.redis, service.keys, service.config.heartbeatTtlS * 1000);
      const status = new SystemStatus(service, registry);
      for (const name of serviceNames) {
        service.readinessChecks.set(name, async () => readinessOf((await status.current()).services[name]));
      }
      registerStatusRoutes(app, status, () => statusDetail(service, registry, sessions));
      await app.register(realtimePlugin, { service, sessions, ...realtime });
    },
  });
  await followSystemEvents(service);
  return service;
}
