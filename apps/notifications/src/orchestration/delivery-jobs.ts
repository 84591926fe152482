import type { ChannelName, DeliverPayload } from '@switchboard/contracts/notifications';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { JobContext } from '@switchboard/runtime/service-queue';
import { CircuitBreakerStore } from '@switchboard/stores/circuit-breakers';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import type { Channel } from '../channels/channel.js';
import { Orchestrator } from './orchestrator.js';
import { sendTestEmail } from './test-email.js';

/**
 * The `deliver` and `send_test_email` jobs, over the service's Redis and the channels it set up.
 * Also tells `GET /api/channels` which channels those are.
 */
export function deliveryJobs(service: ServiceBase, channels: ReadonlyMap<ChannelName, Channel>) {
  const { config, redis, keys } = service;
  const breakers = new CircuitBreakerStore(redis, keys, {
    threshold: config.breaker.threshold,
    openMs: config.breaker.openS * 1000,
  });
  const now = () => new Date();
  const orchestrator = new Orchestrator({
    channels,
    breakers,
    deliveries: new DeliveryStore(redis, keys),
    now,
    // A claim only meets a second attempt once its worker lost the job (died, or stalled past its
    // lock). Every provider call gives up after HTTP_TIMEOUT_MS (SMTP per stage); past three of
    // those, the claim's send is taken to be dead and the retry sends under the same key.
    claimLeaseMs: 3 * config.httpTimeoutMs,
  });
  breakers.announce([...channels.keys()]).catch((error: unknown) => {
    service.logger.warn({ err: error }, 'could not record which channels are set up');
  });

  return {
    deliver: (payload: DeliverPayload, context: JobContext) =>
      orchestrator.deliver(payload, { attempt: context.attempt, maxAttempts: config.retry.maxAttempts }),
    send_test_email: (payload: { to: string }, context: JobContext) =>
      // Keyed by the job, so a worker taking over a crashed attempt repeats the same message.
      sendTestEmail(payload.to, `test-email.${context.jobId}`, {
        channels,
        breakers,
        smtp: config.smtp,
        now,
      }),
  };
}
