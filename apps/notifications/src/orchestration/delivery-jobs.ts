import type { ChannelName, DeliverPayload } from '@switchboard/contracts/notifications';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { JobContext } from '@switchboard/runtime/service-queue';
import { createTokenCipher } from '@switchboard/runtime/token-cipher';
import { ChannelConnectionStore } from '@switchboard/stores/channel-connections';
import { CircuitBreakerStore } from '@switchboard/stores/circuit-breakers';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import type { Channel } from '../channels/channel.js';
import type { GmailEndpoints } from '../channels/email-transport.js';
import { senderChannels } from '../channels/sender-channels.js';
import { Orchestrator, type OrchestratorPorts } from './orchestrator.js';
import { sendTestEmail } from './test-email.js';

export interface DeliveryJobsOptions {
  /** Test seam: Google's SMTP server and token endpoint, for users' Gmail accounts. */
  gmailEndpoints?: GmailEndpoints;
}

/**
 * The `deliver` and `send_test_email` jobs, over the service's Redis and the channels it set up.
 * Also tells `GET /api/channels` which channels those are.
 */
export function deliveryJobs(
  service: ServiceBase,
  channels: ReadonlyMap<ChannelName, Channel>,
  options: DeliveryJobsOptions = {},
) {
  const { config, redis, keys, logger } = service;
  const breakers = new CircuitBreakerStore(redis, keys, {
    threshold: config.breaker.threshold,
    openMs: config.breaker.openS * 1000,
  });
  const now = () => new Date();
  const ports: OrchestratorPorts = {
    channels,
    breakers,
    deliveries: new DeliveryStore(redis, keys),
    now,
    // A claim only meets a second attempt once its worker lost the job (died, or stalled past its
    // lock). Every provider call gives up after HTTP_TIMEOUT_MS (SMTP per stage); past three of
    // those, the claim's send is taken to be dead and the retry sends under the same key.
    claimLeaseMs: 3 * config.httpTimeoutMs,
  };
  const orchestrator = new Orchestrator(ports);
  // Resolved on the first job sent for a user, so a service nobody sends for never touches the key.
  let connections: Promise<ChannelConnectionStore> | undefined;
  const forSender = senderChannels(
    {
      config,
      logger,
      connections: () =>
        (connections ??= createTokenCipher(config).then(
          (cipher) => new ChannelConnectionStore(redis, keys, cipher),
          (error: unknown) => {
            connections = undefined;
            throw error;
          },
        )),
      gmailEndpoints: options.gmailEndpoints,
    },
    channels,
  );
  breakers.announce([...channels.keys()]).catch((error: unknown) => {
    service.logger.warn({ err: error }, 'could not record which channels are set up');
  });

  return {
    async deliver(payload: DeliverPayload, context: JobContext) {
      const job = await forSender(payload.sender_user_id);
      const through =
        job.channels === channels ? orchestrator : new Orchestrator({ ...ports, channels: job.channels });
      try {
        return await through.deliver(payload, {
          attempt: context.attempt,
          maxAttempts: config.retry.maxAttempts,
        });
      } finally {
        await job.close();
      }
    },
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
