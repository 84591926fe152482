import { createHash } from 'node:crypto';
import { queues } from '@switchboard/contracts/queues';
import { AnswerLinks, answerLinkKey } from '@switchboard/runtime/answer-links';
import type { Config } from '@switchboard/runtime/config';
import { packageVersion } from '@switchboard/runtime/run-main';
import { ServiceBase, type ServiceBaseOptions } from '@switchboard/runtime/service-base';
import { answerPing, consumeQueue } from '@switchboard/runtime/service-queue';
import { AgentWaitStore } from '@switchboard/stores/agent-waits';
import { AssistantCatalogStore } from '@switchboard/stores/assistant-catalog';
import { ChannelPreferenceStore } from '@switchboard/stores/channel-preferences';
import { ChatHistoryStore } from '@switchboard/stores/chat-history';
import { ChatTurnStore, sessionScope, turnJobId } from '@switchboard/stores/chat-turns';
import { DeliveryStore } from '@switchboard/stores/deliveries';
import { DispatchEventStore } from '@switchboard/stores/dispatch-events';
import { FeedbackOpener } from '@switchboard/stores/feedback-opening';
import { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import { LeadSettingsStore } from '@switchboard/stores/lead-settings';
import { LeadStore } from '@switchboard/stores/leads';
import { registryHeartbeat } from '@switchboard/stores/service-registry';
import { SessionEventLog } from '@switchboard/stores/session-events';
import { SessionLogStore } from '@switchboard/stores/session-log';
import { SessionStore } from '@switchboard/stores/sessions';
import { UsageStore } from '@switchboard/stores/usage';
import { UserStore } from '@switchboard/stores/users';
import { UnrecoverableError } from 'bullmq';
import { HumanFeedback } from './agent/human-feedback.js';
import { loadAssistants } from './assistants/assistant-catalog.js';
import { createLlmProvider, type LlmProviderDeps } from './llm/provider-factory.js';
import { SessionLogFile } from './session-log/session-log-file.js';
import { LeadCapture } from './turns/lead-capture.js';
import { TurnRunner } from './turns/turn-runner.js';
import { TurnSequencer } from './turns/turn-sequencer.js';
import { loadPriceTable } from './usage/pricing.js';
import { UsageLogClient } from './usage/usage-log.js';

/** Model calls are I/O: one instance can stream several sessions' replies at once. */
const turnConcurrency = 8;
/** How often `/api/openai/info` is brought up to date (002 froze it at startup). */
const infoRefreshMs = 60_000;

export interface ChatAppOptions extends Pick<ServiceBaseOptions, 'logDestination'> {
  /** Where the assistant profiles, knowledge and prices live (tests use their own). */
  configDir?: string;
  llm?: LlmProviderDeps;
}

/** The job id of a session's turn, or of an agent's resumption (`resume:<request id>`). */
function jobIdOf(session: { id: string; token_nonce: string }, turnId: string): string {
  return turnId.startsWith('resume:')
    ? `agent-resume-${turnId.slice('resume:'.length)}`
    : turnJobId(sessionScope(session), turnId);
}

/** The chat service: consumes the `chat` queue (turns, agent resumptions, session log lines). Tests call this directly. */
export async function buildApp(config: Config, options: ChatAppOptions = {}) {
  const { configDir, llm, ...serviceOptions } = options;
  // Profiles and knowledge are checked before anything starts: a broken file stops the service with its name.
  const assistants = await loadAssistants(configDir);
  const prices = loadPriceTable(configDir === undefined ? undefined : `${configDir}/prices.json`);
  const service = await ServiceBase.create({
    name: 'chat',
    version: packageVersion(import.meta.url),
    config,
    heartbeat: registryHeartbeat,
    ...serviceOptions,
  });
  const { redis, keys, logger } = service;
  const ttlS = config.sessions.idleTtlS;
  const provider = createLlmProvider(config, { logger, ...llm });
  const events = new SessionEventLog(redis, keys, ttlS);
  const sessionLog = new SessionLogStore(redis, keys);
  const logFile = new SessionLogFile(config.sessionLogDir);
  const notifications = service.producer(queues.notifications);
  const chatProducer = service.producer(queues.chat);
  const chatQueue = chatProducer.queue;
  // 002 posted each turn's usage to its credential service when one was configured.
  const usageLog = config.llm.credentialUrl ? new UsageLogClient(config.llm.credentialUrl) : undefined;
  const deliveries = new DeliveryStore(redis, keys);
  const feedbackRequests = new FeedbackRequestStore(redis, keys, events);
  const waits = new AgentWaitStore(redis, keys);
  const turns = new ChatTurnStore(redis, keys, ttlS);
  const sessions = new SessionStore(redis, keys, ttlS);

  const runner = new TurnRunner({
    assistants,
    provider,
    sessions,
    history: new ChatHistoryStore(redis, keys, ttlS),
    events,
    usage: new UsageStore(redis, keys),
    prices,
    lead: new LeadCapture({
      leads: new LeadStore(redis, keys, ttlS),
      settings: new LeadSettingsStore(redis, keys),
      notifications,
      deliveries,
      fallbackRecipient: config.recipientEmail,
      logger,
    }),
    humanFeedback: new HumanFeedback({
      opener: new FeedbackOpener({
        requests: feedbackRequests,
        deliveries,
        preferences: new ChannelPreferenceStore(redis, keys),
        users: new UserStore(redis, keys),
        links: new AnswerLinks(await answerLinkKey(config), config.publicUrl),
        notifications,
        defaultExpiryS: config.feedbackExpiryS,
      }),
      waits,
      defaultExpiryS: config.feedbackExpiryS,
      sessionIdleTtlS: ttlS,
    }),
    feedbackRequests,
    dispatchEvents: new DispatchEventStore(redis, keys),
    ...(usageLog
      ? {
          reportUsage: async (key, entry, requestId) => {
            const jobId = `usage-log-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
            await chatProducer.add('usage_log', entry, { requestId, jobId });
          },
        }
      : {}),
    waits,
    logTurn: async (fields) => {
      const timestamp = new Date().toISOString();
      const date = timestamp.slice(0, 10);
      const line = await sessionLog.append({
        event: 'turn',
        session_id: null,
        ...fields,
        timestamp,
        date,
      });
      await logFile.append(date, line);
    },
    defaultModel: config.llm.model,
    logger,
  });
  const sequencer = new TurnSequencer(turns, async (session, turnId) =>
    chatQueue.getJobState(jobIdOf(session, turnId)),
  );

  const catalog = new AssistantCatalogStore(redis, keys);
  const cards = [...assistants.values()].map((assistant) => assistant.card());
  await catalog.publish(cards, await provider.info());
  // What the provider reports can change while it runs (a credential endpoint that answers later).
  const republish = setInterval(() => {
    provider
      .info()
      .then((info) => catalog.publish(cards, info))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not republish the model info'));
  }, infoRefreshMs);
  republish.unref();
  service.lifecycle.onStop('workers', 'model info refresh', async () => clearInterval(republish));

  consumeQueue(
    service,
    queues.chat,
    {
      ping: answerPing(service),
      turn: async (payload, context) => {
        const run = () => runner.runTurn(payload, context.meta.requestId, context.jobId);
        if (payload.session_id === undefined || payload.seq === undefined) return run();
        const result = await sequencer.run(
          {
            sessionId: payload.session_id,
            turnId: payload.turn_id,
            seq: payload.seq,
            generation: payload.generation,
          },
          context,
          run,
        );
        return (
          result ??
          runner.abandoned(
            payload,
            'This turn was abandoned because the chat service lost it; please send it again.',
          )
        );
      },
      agent_resume: async ({ session_id: sessionId, request_id: requestId }, context) => {
        const session = await sessions.get(sessionId);
        if (!session) return { resumed: false, reason: 'the session is gone' };
        const turnId = `resume:${requestId}`;
        const generation = session.token_nonce;
        const { record } = await turns.accept(sessionId, turnId, generation);
        const result = await sequencer.run({ sessionId, turnId, seq: record.seq, generation }, context, () =>
          runner.resume(sessionId, requestId, turnId, context.meta.requestId),
        );
        return result
          ? { resumed: true }
          : { resumed: false, reason: 'the session was not waiting for this answer' };
      },
      usage_log: async (entry) => {
        if (!usageLog) throw new UnrecoverableError('no usage service is configured (PAPITA_API_URL)');
        return { status: await usageLog.send(entry) };
      },
      session_log: async ({ date, line }) => {
        await logFile.append(date, line);
        return { written: true };
      },
    },
    { concurrency: turnConcurrency },
  );
  return service;
}
