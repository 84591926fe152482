import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's window for a request's timestamp (and how long a seen signature is remembered). */
export const slackSignatureWindowS = 5 * 60;

export interface SlackSignedRequest {
  /** `X-Slack-Request-Timestamp`: unix seconds. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex HMAC-SHA256>`. */
  signature: string | undefined;
  /** The body exactly as received. */
  rawBody: string;
}

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: string };

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** The `X-Slack-Signature` Slack sends for this timestamp and body. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Slack's v0 request signing: the signature over `v0:<timestamp>:<raw body>`,
 * compared in constant time, and a timestamp within ±5 minutes of now (a
 * replay of a fresh request is the caller's to refuse: it remembers signatures).
 */
export function checkSlackSignature(
  signingSecret: string,
  request: SlackSignedRequest,
  nowS = Date.now() / 1000,
): SlackSignatureCheck {
  const { timestamp, signature, rawBody } = request;
  if (timestamp === undefined || signature === undefined) {
    return { ok: false, reason: 'The request carries no Slack signature.' };
  }
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'The Slack request timestamp is not valid.' };
  // Both sides hashed first: equal lengths for the comparison, whatever was sent.
  if (!timingSafeEqual(sha256(slackSignature(signingSecret, timestamp, rawBody)), sha256(signature))) {
    return { ok: false, reason: 'The Slack signature does not match.' };
  }
  if (Math.abs(nowS - Number(timestamp)) > slackSignatureWindowS) {
    return { ok: false, reason: 'The Slack request is too old (or from the future).' };
  }
  return { ok: true };
}
