import type { ChannelName, OutgoingMessage, Recipient } from '@switchboard/contracts/notifications';

/** Where a sent message lives at its provider, so it can be edited later (Slack channel+ts, email Message-ID). */
export type ProviderRef = Record<string, string>;

export interface SendResult {
  providerId: string;
  ref: ProviderRef;
}

/**
 * A failure a retry may fix (timeout, 5xx, 429) or one it cannot (bad address,
 * other 4xx): the orchestrator retries only the former and falls back either way.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChannelError';
  }
}

/** One way to reach a person. Every channel module implements exactly this. */
export interface Channel {
  readonly name: ChannelName;
  /** Configured and addressable for this recipient. */
  canReach(to: Recipient): boolean;
  /**
   * Sends once. `idempotencyKey` is stable across retries of the same
   * (notification, channel): it becomes the email Message-ID, the Slack
   * message metadata and the `webhook-id`, so a provider (or a test fake) can
   * recognise a repeat.
   */
  send(message: OutgoingMessage, to: Recipient, idempotencyKey: string): Promise<SendResult>;
  /** Replaces what a sent message shows (e.g. "answered by … via …"). */
  update(ref: ProviderRef, message: OutgoingMessage): Promise<void>;
  health(): Promise<{ ok: boolean; detail?: string }>;
}
