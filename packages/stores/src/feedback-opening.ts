import { randomUUID } from 'node:crypto';
import type { FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import type { ChannelName, OutgoingMessage, Recipient, Strategy } from '@switchboard/contracts/notifications';
import type { queues } from '@switchboard/contracts/queues';
import type { AnswerLinks } from '@switchboard/runtime/answer-links';
import { AppError } from '@switchboard/runtime/app-error';
import type { QueueProducer } from '@switchboard/runtime/queue-producer';
import { askingMessage } from './asking-message.js';
import { type ChannelPreferenceStore, defaultPreferences } from './channel-preferences.js';
import type { DeliveryStore } from './deliveries.js';
import type { FeedbackRequestStore } from './feedback-requests.js';
import type { UserStore } from './users.js';

export interface FeedbackOpenerDeps {
  requests: FeedbackRequestStore;
  deliveries: Pick<DeliveryStore, 'append' | 'timeline'>;
  preferences: ChannelPreferenceStore;
  users: UserStore;
  links: AnswerLinks;
  notifications: QueueProducer<typeof queues.notifications>;
  /** Seconds until a request expires when the caller names no expiry (FEEDBACK_EXPIRY_S). */
  defaultExpiryS: number;
}

export interface FeedbackOpening {
  requesterId: string;
  question: string;
  /** Default: approve/reject, unless free text is allowed (then none). */
  options?: string[];
  allowFreeText?: boolean;
  /** Default: the requester's channel order. */
  channels?: ChannelName[];
  /** Default: broadcast. */
  strategy?: Strategy;
  expiresInS?: number;
  sessionId?: string;
  /** Carried by the jobs, so the request can be followed in the logs. */
  requestId: string;
  /** A UUID chosen by the caller, so a retried caller opens the same request instead of a second one. */
  id?: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Opens a human feedback request (SPEC §1 "Human feedback and channels"):
 * finds where the requester is reached, stores the question with its signed
 * answer link, starts its delivery timeline, and queues its delivery and its
 * expiry. Used by the gateway's `POST /api/feedback-requests` and by the chat
 * agent's `request_human_feedback` tool.
 */
export class FeedbackOpener {
  constructor(private readonly deps: FeedbackOpenerDeps) {}

  async open(input: FeedbackOpening, now = new Date()): Promise<FeedbackRequestRecord> {
    if (input.id !== undefined) {
      if (!uuidPattern.test(input.id)) {
        throw new AppError('SB_VALIDATION', 'A feedback request id must be a lower-case UUID.');
      }
      const existing = await this.deps.requests.get(input.id, now);
      if (existing) return this.reopened(existing, input, now);
    }
    const { requests, deliveries, links } = this.deps;
    const { order, to } = await this.reachOf(input.requesterId);
    const allowFreeText = input.allowFreeText ?? false;
    // A question with neither options nor free text could never be answered: it asks for approval.
    const options = input.options ?? (allowFreeText ? [] : ['approve', 'reject']);
    const id = input.id ?? randomUUID();
    const expiresAt = new Date(now.getTime() + (input.expiresInS ?? this.deps.defaultExpiryS) * 1000);
    const message = askingMessage({
      request_id: id,
      question: input.question,
      options,
      allow_free_text: allowFreeText,
      answer_url: links.url(id, expiresAt),
      expires_at: expiresAt.toISOString(),
    });
    const record = await requests.create(
      {
        id,
        question: input.question,
        options,
        allow_free_text: allowFreeText,
        requester_id: input.requesterId,
        ...(input.sessionId === undefined ? {} : { session_id: input.sessionId }),
        channels: input.channels ?? order,
        // SPEC B8: a question goes to every channel at once unless the caller asks for fallback.
        strategy: input.strategy ?? 'broadcast',
        expires_at: expiresAt,
        recipients: to,
        message,
      },
      now,
    );
    // The request id is its delivery's id: its timeline starts here, as a notification's does.
    await deliveries.append(id, { status: 'queued' }, now);
    await this.enqueue(record, message, to, input.requestId, now);
    return record;
  }

  /**
   * A caller retrying an open it already made. Its request is not asked again;
   * while still pending, its delivery and expiry are queued once more under the
   * same job ids, which is a no-op when the first open got that far and
   * finishes it when that open died on the way (the delivery itself never
   * sends a channel twice).
   */
  private async reopened(
    existing: FeedbackRequestRecord,
    input: FeedbackOpening,
    now: Date,
  ): Promise<FeedbackRequestRecord> {
    if (existing.requester_id !== input.requesterId) {
      throw new AppError('SB_CONFLICT', `Feedback request ${existing.id} belongs to someone else.`);
    }
    if (existing.status !== 'pending') return existing;
    const [message, to] = await Promise.all([
      this.deps.requests.message(existing.id),
      this.deps.requests.recipients(existing.id),
    ]);
    if (!message || !to) return existing;
    if ((await this.deps.deliveries.timeline(existing.id)) === null) {
      await this.deps.deliveries.append(existing.id, { status: 'queued' }, now);
    }
    await this.enqueue(existing, message, to, input.requestId, now);
    return existing;
  }

  private async enqueue(
    record: FeedbackRequestRecord,
    message: OutgoingMessage,
    to: Recipient,
    requestId: string,
    now: Date,
  ): Promise<void> {
    const { id, channels, strategy, requester_id } = record;
    await this.deps.notifications.add(
      'deliver',
      // Sent for the requester: through their own Gmail account when they connected one.
      { delivery_id: id, message, channels, strategy, to, sender_user_id: requester_id },
      { requestId, jobId: `deliver-${id}` },
    );
    await this.deps.notifications.add(
      'feedback_expire',
      { request_id: id },
      {
        requestId,
        jobId: `feedback-expire-${id}`,
        delayMs: Math.max(0, Date.parse(record.expires_at) - now.getTime()),
      },
    );
  }

  /** Where each channel reaches the requester: their saved preferences, else email to their account. */
  private async reachOf(userId: string): Promise<{ order: ChannelName[]; to: Recipient }> {
    const user = await this.deps.users.get(userId);
    if (!user) throw new AppError('SB_UNAUTHENTICATED', 'The user no longer exists.');
    const preferences = (await this.deps.preferences.get(userId)) ?? defaultPreferences(user.email);
    const to: Recipient = {
      email: preferences.email ?? user.email,
      ...(preferences.slack_user_id === undefined ? {} : { slack: preferences.slack_user_id }),
      ...(preferences.webhook_url === undefined ? {} : { webhook_url: preferences.webhook_url }),
    };
    return { order: preferences.order, to };
  }
}
