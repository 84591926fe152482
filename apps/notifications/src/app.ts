import { queues } from '@switchboard/contracts/queues';
import type { Config } from '@switchboard/runtime/config';
import { packageVersion } from '@switchboard/runtime/run-main';
import { ServiceBase, type ServiceBaseOptions } from '@switchboard/runtime/service-base';
import { answerPing, consumeQueue } from '@switchboard/runtime/service-queue';
import { registryHeartbeat } from '@switchboard/stores/service-registry';
import { UnrecoverableError } from 'bullmq';

/** A job this build cannot do yet fails at once with a clear reason instead of retrying. */
function notAvailableYet(job: string) {
  return async (): Promise<never> => {
    throw new UnrecoverableError(`${job} is not available yet in this build`);
  };
}

/** The notifications service: consumes the `notifications` queue. Tests call this directly. */
export async function buildApp(config: Config, options: Pick<ServiceBaseOptions, 'logDestination'> = {}) {
  const service = await ServiceBase.create({
    name: 'notifications',
    version: packageVersion(import.meta.url),
    config,
    heartbeat: registryHeartbeat,
    ...options,
  });
  consumeQueue(service, queues.notifications, {
    ping: answerPing(service),
    deliver: notAvailableYet('deliver'),
    send_test_email: notAvailableYet('send_test_email'),
    feedback_expire: notAvailableYet('feedback_expire'),
    feedback_sync: notAvailableYet('feedback_sync'),
    slack_interaction: notAvailableYet('slack_interaction'),
  });
  return service;
}
