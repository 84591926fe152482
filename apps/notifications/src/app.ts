import { queues } from '@switchboard/contracts/queues';
import type { Config } from '@switchboard/runtime/config';
import { packageVersion } from '@switchboard/runtime/run-main';
import { ServiceBase, type ServiceBaseOptions } from '@switchboard/runtime/service-base';
import { answerPing, consumeQueue } from '@switchboard/runtime/service-queue';
import { registryHeartbeat } from '@switchboard/stores/service-registry';
import { closeChannels, createChannels } from './channels/channel-registry.js';
import { listOutbox, outboxDir } from './channels/email-outbox.js';
import type { GmailEndpoints } from './channels/email-transport.js';
import { feedbackJobs } from './feedback/feedback-jobs.js';
import { deliveryJobs } from './orchestration/delivery-jobs.js';

export interface NotificationsOptions extends Pick<ServiceBaseOptions, 'logDestination'> {
  /** Test seam: where users' Gmail accounts are reached (Google's servers otherwise). */
  gmailEndpoints?: GmailEndpoints;
}

/** The notifications service: consumes the `notifications` queue. Tests call this directly. */
export async function buildApp(config: Config, options: NotificationsOptions = {}) {
  const { gmailEndpoints, ...serviceOptions } = options;
  const service = await ServiceBase.create({
    name: 'notifications',
    version: packageVersion(import.meta.url),
    config,
    heartbeat: registryHeartbeat,
    ...serviceOptions,
  });
  const channels = createChannels({ config, logger: service.logger });
  // After the workers: a job finishing during shutdown still has its channels.
  service.lifecycle.onStop('queues', 'delivery channels', () => closeChannels(channels));
  const delivery = deliveryJobs(service, channels, { gmailEndpoints });
  const feedback = feedbackJobs(service, channels);
  consumeQueue(service, queues.notifications, {
    ping: answerPing(service),
    deliver: delivery.deliver,
    send_test_email: delivery.send_test_email,
    // The outbox folder lives with this service, which may not share a disk with the gateway.
    list_outbox: async ({ limit }) => ({ entries: await listOutbox(outboxDir(config.dataDir), limit) }),
    feedback_expire: feedback.feedback_expire,
    feedback_sync: feedback.feedback_sync,
    slack_interaction: feedback.slack_interaction,
  });
  return service;
}
