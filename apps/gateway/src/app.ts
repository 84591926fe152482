import { serviceNames } from '@switchboard/contracts/services';
import type { Config } from '@switchboard/runtime/config';
import { packageVersion } from '@switchboard/runtime/run-main';
import { ServiceBase, type ServiceBaseOptions } from '@switchboard/runtime/service-base';
import { registryHeartbeat, ServiceRegistry } from '@switchboard/stores/service-registry';
import { registerStatusRoutes } from './status-routes.js';
import { followSystemEvents } from './system-events.js';
import { readinessOf, SystemStatus } from './system-status.js';

/** The gateway: the only public door. Tests call this directly. */
export async function buildApp(config: Config, options: Pick<ServiceBaseOptions, 'logDestination'> = {}) {
  const service = await ServiceBase.create({
    name: 'gateway',
    version: packageVersion(import.meta.url),
    config,
    heartbeat: registryHeartbeat,
    ...options,
  });
  const registry = new ServiceRegistry(service.redis, service.keys, config.heartbeatTtlS * 1000);
  const status = new SystemStatus(service, registry);
  for (const name of serviceNames) {
    service.readinessChecks.set(name, async () => readinessOf((await status.current()).services[name]));
  }
  registerStatusRoutes(service.http, status);
  await followSystemEvents(service);
  return service;
}
