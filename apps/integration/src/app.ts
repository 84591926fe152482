import { queues } from '@switchboard/contracts/queues';
import type { Config } from '@switchboard/runtime/config';
import { packageVersion } from '@switchboard/runtime/run-main';
import { ServiceBase, type ServiceBaseOptions } from '@switchboard/runtime/service-base';
import { answerPing, consumeQueue } from '@switchboard/runtime/service-queue';
import { registryHeartbeat } from '@switchboard/stores/service-registry';

/** The integration service: consumes the `integration` queue. Tests call this directly. */
export async function buildApp(config: Config, options: Pick<ServiceBaseOptions, 'logDestination'> = {}) {
  const service = await ServiceBase.create({
    name: 'integration',
    version: packageVersion(import.meta.url),
    config,
    heartbeat: registryHeartbeat,
    ...options,
  });
  consumeQueue(service, queues.integration, { ping: answerPing(service) });
  return service;
}
