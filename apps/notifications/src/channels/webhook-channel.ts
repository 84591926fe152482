import type { OutgoingMessage } from '@switchboard/contracts/notifications';
import type { Config } from '@switchboard/runtime/config';
import { type Channel, ChannelError } from './channel.js';
import { readResolution } from './feedback-resolution.js';
import { excerpt, isTransientStatus, postJson } from './outbound-http.js';
import { webhookHeaders } from './webhook-signature.js';

/** The event types a receiver sees. */
export type WebhookEventType = 'notification.sent' | 'feedback.requested' | 'notification.updated';

function content(message: OutgoingMessage) {
  const resolution = readResolution(message);
  return {
    subject: message.subject,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.template === undefined || resolution ? {} : { template: message.template }),
    ...(message.data === undefined || resolution ? {} : { data: message.data }),
    ...(message.feedback === undefined ? {} : { feedback: message.feedback }),
    ...(resolution ? { resolution } : {}),
  };
}

/**
 * Outbound webhooks signed the Standard Webhooks way, to the recipient's
 * `webhook_url`. The body is `{type, timestamp, data}`; `webhook-id` is the
 * idempotency key, so a retried delivery carries the same id. An update is
 * a second event, `notification.updated`, naming the first.
 */
export function createWebhookChannel(options: { config: Config; secret: string }): Channel {
  const { config, secret } = options;

  const deliver = async (url: string, id: string, type: WebhookEventType, data: object) => {
    const now = new Date();
    const body = JSON.stringify({ type, timestamp: now.toISOString(), data });
    const answer = await postJson(url, body, {
      headers: webhookHeaders(secret, id, body, now),
      timeoutMs: config.httpTimeoutMs,
    });
    if (answer.status >= 200 && answer.status < 300) return;
    throw new ChannelError(
      `Webhook ${new URL(url).origin} answered HTTP ${answer.status}: ${excerpt(answer.body)}`,
      !isTransientStatus(answer.status),
    );
  };

  return {
    name: 'webhook',
    canReach: (to) => to.webhook_url !== undefined,

    async send(message, to, idempotencyKey) {
      if (!to.webhook_url) throw new ChannelError('The recipient has no webhook URL', true);
      const type = message.feedback ? 'feedback.requested' : 'notification.sent';
      await deliver(to.webhook_url, idempotencyKey, type, content(message));
      return { providerId: idempotencyKey, ref: { url: to.webhook_url, id: idempotencyKey } };
    },

    async update(ref, message) {
      if (!ref.url || !ref.id)
        throw new ChannelError('Not a reference to a webhook delivery (url, id)', true);
      await deliver(ref.url, `${ref.id}.update`, 'notification.updated', {
        original_id: ref.id,
        ...content(message),
      });
    },

    // Receivers are per recipient: there is no one endpoint to probe, only the secret to have.
    health: async () => ({ ok: true, detail: 'signing secret set' }),
  };
}
