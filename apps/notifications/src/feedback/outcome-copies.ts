import type { FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import { type ChannelName, channelNames } from '@switchboard/contracts/notifications';
import type { Logger } from '@switchboard/runtime/logger';
import type { DeliveryStore } from '@switchboard/stores/deliveries';
import type { FeedbackRequestStore, StoredWinner } from '@switchboard/stores/feedback-requests';
import { type Channel, ChannelError } from '../channels/channel.js';
import {
  type FeedbackResolution,
  resolutionHeadline,
  resolvedMessage,
} from '../channels/feedback-resolution.js';

export interface OutcomeCopiesPorts {
  requests: Pick<FeedbackRequestStore, 'message' | 'isSynced' | 'markSynced'>;
  deliveries: Pick<DeliveryStore, 'sentRefs' | 'append'>;
  channels: ReadonlyMap<ChannelName, Channel>;
  logger: Logger;
}

const isChannelName = (name: string): name is ChannelName =>
  (channelNames as readonly string[]).includes(name);

/** How a settled request reads on every copy: who answered what, through which channel. */
export function resolutionOf(record: FeedbackRequestRecord): FeedbackResolution {
  const winner: StoredWinner | undefined = record.winner;
  if (record.status !== 'answered' || !winner)
    return { status: record.status === 'cancelled' ? 'cancelled' : 'expired' };
  return {
    status: 'answered',
    answer: winner.answer,
    // On Slack a member id becomes a mention; elsewhere people know a name or an address.
    answered_by:
      winner.channel === 'slack' ? winner.responder_id : (winner.responder_name ?? winner.responder_id),
    via: winner.channel,
  };
}

/**
 * Shows how a request ended on every copy that was sent (SPEC §1: "every
 * other channel's copy is updated to 'answered by … via …'"), and notes it on
 * the request's delivery timeline. Safe to repeat: each copy is edited once.
 * Slack's copy is edited even when the answer came from Slack (its buttons
 * must go); an email copy is left alone when the answer came through the
 * email link, since a follow-up in that thread would only tell its reader
 * what they just did.
 */
export class OutcomeCopies {
  constructor(private readonly ports: OutcomeCopiesPorts) {}

  /** Returns the channels whose copy was edited now; throws when a copy failed for a reason that may pass. */
  async show(record: FeedbackRequestRecord, resolution: FeedbackResolution): Promise<ChannelName[]> {
    const { requests, deliveries, channels, logger } = this.ports;
    const id = record.id;
    if (!(await requests.isSynced(id, 'timeline'))) {
      const via = resolution.via;
      await deliveries.append(id, {
        status: resolution.status === 'answered' ? 'answered' : 'expired',
        ...(via !== undefined && isChannelName(via) ? { channel: via } : {}),
        reason:
          `${resolutionHeadline(resolution)}${resolution.answer === undefined ? '' : `: ${resolution.answer}`}`.slice(
            0,
            1_000,
          ),
      });
      await requests.markSynced(id, 'timeline');
    }

    const original = await requests.message(id);
    if (!original) {
      logger.warn({ requestId: id }, 'feedback request has no stored message; its copies stay as they are');
      return [];
    }
    const message = resolvedMessage(original, resolution);
    const updated: ChannelName[] = [];
    const retryable: string[] = [];
    for (const { channel: name, ref } of await deliveries.sentRefs(id)) {
      if (name === 'email' && resolution.via === 'email') continue;
      const copy = `copy:${name}`;
      const channel = channels.get(name);
      if (!channel || (await requests.isSynced(id, copy))) continue;
      try {
        await channel.update(ref, message);
        await deliveries.append(id, { status: 'updated', channel: name });
        updated.push(name);
      } catch (error) {
        const reason = `could not show the outcome: ${(error as Error).message}`.slice(0, 1_000);
        if (!(error instanceof ChannelError && error.permanent)) {
          retryable.push(`${name}: ${reason}`);
          continue;
        }
        // A verdict no retry changes (message deleted, channel archived): noted, not retried.
        await deliveries.append(id, { status: 'failed', channel: name, reason });
      }
      await requests.markSynced(id, copy);
    }
    if (retryable.length > 0) throw new Error(`some copies are not updated yet: ${retryable.join('; ')}`);
    return updated;
  }
}
