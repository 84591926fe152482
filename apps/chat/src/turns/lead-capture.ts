import type { DataCollected } from '@switchboard/contracts/chat';
import type { queues } from '@switchboard/contracts/queues';
import type { Logger } from '@switchboard/runtime/logger';
import type { QueueProducer } from '@switchboard/runtime/queue-producer';
import type { DeliveryStore } from '@switchboard/stores/deliveries';
import type { LeadSettingsStore } from '@switchboard/stores/lead-settings';
import type { LeadState, LeadStore } from '@switchboard/stores/leads';
import type { SessionRecord } from '@switchboard/stores/sessions';
import { slotAskedIn } from '../lead/assistant-question.js';
import { extractLeadSlots } from '../lead/lead-extractor.js';
import { dataCollected, type Income, isComplete, type LeadSlots, missingSlots } from '../lead/lead-slots.js';

export interface LeadCaptureDeps {
  leads: LeadStore;
  settings: LeadSettingsStore;
  notifications: QueueProducer<typeof queues.notifications>;
  deliveries: Pick<DeliveryStore, 'append' | 'timeline'>;
  /** RECIPIENT_EMAIL, used when the admin settings name no operator. */
  fallbackRecipient: string | undefined;
  logger: Logger;
}

export interface LeadProgress {
  /** The lead was complete before this message: nothing is left to ask or to wrap up. */
  wasComplete: boolean;
  slots: LeadSlots;
  dataCollected: DataCollected;
  isComplete: boolean;
  missing: string[];
  collected: Record<string, string>;
}

function slotsOf(state: LeadState | null): LeadSlots {
  if (!state) return {};
  return {
    ...(state.name === undefined ? {} : { name: state.name }),
    ...(state.email === undefined ? {} : { email: state.email }),
    // The store keeps the bucket as text; it was one of ours when stored.
    ...(state.income === undefined ? {} : { income: state.income as Income }),
  };
}

function progressOf(slots: LeadSlots, wasComplete: boolean): LeadProgress {
  const collected: Record<string, string> = {};
  if (slots.name) collected.name = slots.name;
  if (slots.email) collected.email = slots.email;
  if (slots.income) collected.income = slots.income.raw;
  return {
    wasComplete,
    slots,
    dataCollected: dataCollected(slots),
    isComplete: isComplete(slots),
    missing: missingSlots(slots),
    collected,
  };
}

/** The delivery id of a lead's operator email: one per session, so it is sent once however often asked. */
export const leadDeliveryId = (sessionId: string) => `lead-${sessionId}`;

/**
 * The lead bot's objective (leadbot A6/A7): learn name, email and income from
 * what the user says, and when all three are known, mark the lead complete
 * (once, atomically) and have the operator emailed once.
 */
export class LeadCapture {
  constructor(private readonly deps: LeadCaptureDeps) {}

  /** Keeps an unfinished lead as long as its session (a completed one is kept regardless). */
  async touch(sessionId: string): Promise<void> {
    await this.deps.leads.touch(sessionId);
  }

  /** Takes what the user's message reveals, in the light of what the assistant last asked. */
  async absorb(sessionId: string, userMessage: string, lastAssistantMessage: string | undefined) {
    const stored = await this.deps.leads.get(sessionId);
    const known = slotsOf(stored);
    const wasComplete = stored?.status === 'complete';
    const askedFor = lastAssistantMessage === undefined ? undefined : slotAskedIn(lastAssistantMessage);
    const { updates } = extractLeadSlots(userMessage, { ...(askedFor ? { askedFor } : {}), known });
    if (Object.keys(updates).length === 0) return progressOf(known, wasComplete);
    const state = await this.deps.leads.update(sessionId, updates);
    return progressOf(slotsOf(state), wasComplete);
  }

  /**
   * When the lead is complete, marks it so and queues the operator's email.
   * `completed` on the turn that completed it (also when that turn is
   * retried; the email's fixed delivery id keeps it to one email).
   */
  async completeIfReady(
    session: SessionRecord,
    turnId: string,
    requestId: string,
  ): Promise<{ completed: boolean; emailQueued: boolean }> {
    const { completedNow, state } = await this.deps.leads.complete(session.id, turnId);
    if (!completedNow) return { completed: false, emailQueued: false };
    const settings = await this.deps.settings.get();
    const recipient = settings.recipient_email ?? this.deps.fallbackRecipient;
    if (!settings.email_notifications_enabled || !settings.auto_send_on_complete || !recipient) {
      this.deps.logger.info(
        { sessionId: session.id },
        'lead complete; operator email is off or has no recipient',
      );
      return { completed: true, emailQueued: false };
    }
    const deliveryId = leadDeliveryId(session.id);
    const data = {
      session_id: session.id,
      name: state.name ?? '',
      email: state.email ?? '',
      income: state.income?.raw ?? '',
      income_bucket: state.income?.bucket ?? '',
      started_at: session.created_at,
      completed_at: state.completed_at ?? new Date().toISOString(),
      status: state.status,
    };
    // A retried completing turn queues the same job again (a no-op); its timeline starts once.
    if ((await this.deps.deliveries.timeline(deliveryId)) === null) {
      await this.deps.deliveries.append(deliveryId, { status: 'queued' });
    }
    await this.deps.notifications.add(
      'deliver',
      {
        delivery_id: deliveryId,
        message: {
          subject: `New User Data Collected - Session ${session.id.slice(0, 8)}`,
          text: `New lead: ${data.name} <${data.email}>, income ${data.income}. Session ${session.id}.`,
          template: 'lead-captured',
          data,
        },
        channels: ['email'],
        strategy: 'fallback',
        to: { email: recipient },
      },
      { requestId, jobId: `deliver-${deliveryId}` },
    );
    return { completed: true, emailQueued: true };
  }
}
