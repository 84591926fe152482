import { createHmac } from 'node:crypto';

/** The key bytes of a Standard Webhooks secret: the base64 after `whsec_`. */
function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * The Standard Webhooks headers for one delivery: `webhook-id` (the same on
 * a retry, so the receiver can drop repeats), `webhook-timestamp` (unix
 * seconds, so it can refuse replays) and `webhook-signature`
 * (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`).
 */
export function webhookHeaders(
  secret: string,
  id: string,
  body: string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signature = createHmac('sha256', secretBytes(secret))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}
