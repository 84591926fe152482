import type { StatusDetail } from '@switchboard/contracts/health';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { ServiceRegistry } from '@switchboard/stores/service-registry';
import type { SessionStore } from '@switchboard/stores/sessions';

async function metricTotal(
  service: ServiceBase,
  name: string,
  include: (labels: Record<string, unknown>) => boolean,
) {
  const metric = service.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((value) => include(value.labels)).reduce((sum, value) => sum + value.value, 0);
}

/** The administrator's part of `/status`: traffic, sessions, sockets and every live instance. */
export async function statusDetail(
  service: ServiceBase,
  registry: ServiceRegistry,
  sessions: SessionStore,
): Promise<StatusDetail> {
  const status = (labels: Record<string, unknown>) => Number(labels.status);
  const [total, failed, serverErrors, activeSockets, activeSessions, instances] = await Promise.all([
    metricTotal(service, 'sb_http_requests_total', () => true),
    metricTotal(service, 'sb_http_requests_total', (labels) => status(labels) >= 400),
    metricTotal(service, 'sb_http_requests_total', (labels) => status(labels) >= 500),
    metricTotal(service, 'sb_ws_connections', () => true),
    sessions.countActive(),
    registry.live(),
  ]);
  return {
    requests: {
      total,
      succeeded: total - failed,
      failed,
      server_errors: serverErrors,
      success_rate: total === 0 ? null : Math.round(((total - failed) / total) * 1000) / 1000,
    },
    active_sessions: activeSessions,
    active_sockets: activeSockets,
    instances: instances.map(({ age_s: _age, ...instance }) => instance),
  };
}
