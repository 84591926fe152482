import type { FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import type { ChannelName } from '@switchboard/contracts/notifications';
import { queues } from '@switchboard/contracts/queues';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { JobContext } from '@switchboard/runtime/service-queue';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import { SessionEventLog } from '@switchboard/stores/session-events';
import type { Channel } from '../channels/channel.js';
import { OutcomeCopies, resolutionOf } from './outcome-copies.js';
import { SlackInteractions } from './slack-interactions.js';

/**
 * The jobs that follow a feedback request after it was sent: a Slack answer,
 * the expiry, and showing the outcome on every copy once there is one. A
 * request asked from a chat session also wakes that session's agent.
 */
export function feedbackJobs(service: ServiceBase, channels: ReadonlyMap<ChannelName, Channel>) {
  const { config, redis, keys, logger } = service;
  const requests = new FeedbackRequestStore(
    redis,
    keys,
    new SessionEventLog(redis, keys, config.sessions.idleTtlS),
  );
  const copies = new OutcomeCopies({
    requests,
    deliveries: new DeliveryStore(redis, keys),
    channels,
    logger,
  });
  const queue = service.producer(queues.notifications);
  const chat = service.producer(queues.chat);
  const slack = new SlackInteractions({
    requests,
    notifications: queue,
    logger,
    httpTimeoutMs: config.httpTimeoutMs,
  });

  /**
   * The outcome is shown on the copies that were sent; while the question is
   * still being delivered (the answer can come first, e.g. on the web), the
   * job waits for it by failing and being retried with backoff. (The gateway
   * queues a request's question as job `deliver-<request id>`.)
   */
  async function afterDelivery(requestId: string): Promise<void> {
    const state = await queue.queue.getJobState(`deliver-${requestId}`);
    if (['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'].includes(state)) {
      throw new Error(`the question is still being delivered (${state}); its copies are updated afterwards`);
    }
  }

  /**
   * Tells the chat service that a session's question has its outcome. Queued
   * before the copies are updated, so the agent never waits on a slow channel;
   * a retried sync or expiry job queues it again under the same job id, which
   * BullMQ ignores (and the chat side resumes a request only once).
   */
  async function resumeAgent(record: FeedbackRequestRecord, requestId: string): Promise<void> {
    if (record.session_id === undefined) return;
    await chat.add(
      'agent_resume',
      { session_id: record.session_id, request_id: record.id },
      { requestId, jobId: `agent-resume-${record.id}` },
    );
  }

  return {
    slack_interaction: async (payload: { payload: string }, context: JobContext) => ({
      outcome: await slack.handle(payload.payload, context.meta.requestId),
    }),

    feedback_sync: async (payload: { request_id: string }, context: JobContext) => {
      const record = await requests.get(payload.request_id);
      if (record?.status !== 'answered') return { updated: [] };
      await resumeAgent(record, context.meta.requestId);
      await afterDelivery(record.id);
      return { updated: await copies.show(record, resolutionOf(record)) };
    },

    feedback_expire: async (payload: { request_id: string }, context: JobContext) => {
      const outcome = await requests.expire(payload.request_id);
      // A delayed job can run a moment early (clocks differ); the retry comes after the expiry.
      if (outcome.kind === 'not_due') throw new Error(`not due until ${outcome.expiresAt.toISOString()}`);
      if (outcome.kind !== 'expired') return { expired: false };
      await resumeAgent(outcome.record, context.meta.requestId);
      await afterDelivery(outcome.record.id);
      await copies.show(outcome.record, resolutionOf(outcome.record));
      return { expired: true };
    },
  };
}
