import websocket from '@fastify/websocket';
import { queues } from '@switchboard/contracts/queues';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { AssistantCatalogStore } from '@switchboard/stores/assistant-catalog';
import { ChatHistoryStore } from '@switchboard/stores/chat-history';
import { ChatTurnStore } from '@switchboard/stores/chat-turns';
import { LeadStore } from '@switchboard/stores/leads';
import { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionStore } from '@switchboard/stores/sessions';
import fp from 'fastify-plugin';
import { registerChatRoutes } from '../chat/chat-routes.js';
import { LeadGreeting } from '../chat/lead-greeting.js';
import { TurnStarter } from '../chat/turn-starter.js';
import { TurnSubmission } from '../chat/turn-submission.js';
import { ConnectionHub } from './connection-hub.js';
import { registerDispatchWebSocket } from './dispatch-ws-route.js';
import { registerLeadWebSocket } from './lead-ws-route.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { defaultRealtimeLimits, type RealtimeLimits } from './realtime-limits.js';
import { registerSessionEventsRoute } from './session-events-route.js';
import { attachSocketIo, upgradesBesideSocketIo } from './socket-io.js';
import { registerUserWebSocket } from './user-ws-route.js';

/** Timings and limits; production uses the defaults, tests shorten them. */
export interface RealtimeTuning {
  /** How long an `/api/ws` client has to authenticate (SPEC §4: 5 s). */
  authTimeoutMs?: number;
  /** Ping interval of every socket; a peer that misses one is dropped. */
  heartbeatMs?: number;
  /** Interval of the SSE `: ping` comment. */
  sseKeepAliveMs?: number;
  limits?: Partial<RealtimeLimits>;
}

export interface RealtimeOptions extends RealtimeTuning {
  service: ServiceBase;
  sessions: SessionStore;
}

/**
 * Real-time delivery: WebSockets on `/ws` (000), `/socket.io` (000 for
 * Socket.IO clients), `/ws/:session_id` (001) and `/api/ws` (003), and the
 * SSE stream of a session's events, and the chat turn routes (their replies
 * stream through the same session feeds). Registered after the auth plugin: it
 * reads `app.authenticator` and the principal the auth hook puts on each
 * upgrade request. Every connection is closed (1001) in the `http` stage
 * of shutdown, before Redis goes.
 */
export const realtimePlugin = fp(
  async (app: HttpServer, options: RealtimeOptions) => {
    const { service } = options;
    const heartbeatMs = options.heartbeatMs ?? 20_000;
    const limits = { ...defaultRealtimeLimits, ...options.limits };
    const hub = new ConnectionHub(service.subscriber(), service.metrics.registry, service.logger, {
      heartbeatMs,
      closeGraceMs: limits.closeGraceMs,
      authenticator: app.authenticator,
    });
    const { config } = service;
    const submission = new TurnSubmission(
      service.producer(queues.chat),
      new ChatTurnStore(service.redis, service.keys, config.sessions.idleTtlS),
      config.llm.chatDeadlineMs,
    );
    const deps: RealtimeDeps = {
      hub,
      log: new SessionEventLog(service.redis, service.keys, config.sessions.idleTtlS),
      sessions: options.sessions,
      authenticator: app.authenticator,
      limits,
      chat: new TurnStarter(
        submission,
        options.sessions,
        config.sessions.maxPerUser,
        config.llm.allowedModels,
        app.requestLimits,
      ),
      greetings: new LeadGreeting(
        new ChatHistoryStore(service.redis, service.keys, config.sessions.idleTtlS),
        new LeadStore(service.redis, service.keys, config.sessions.idleTtlS),
        new AssistantCatalogStore(service.redis, service.keys),
      ),
    };
    const io = attachSocketIo(app.server, deps, {
      heartbeatMs,
      logger: service.logger,
      spendIpBudget: (ip) => app.requestLimits.consume('ip', ip),
    });

    await app.register(websocket, {
      options: { maxPayload: limits.maxFrameBytes, server: upgradesBesideSocketIo(app.server) },
      preClose: async () => {
        await hub.closeAll();
        io.engine.close();
        await new Promise((resolve) => app.websocketServer.close(resolve));
      },
    });
    registerDispatchWebSocket(app, deps);
    registerLeadWebSocket(app, deps);
    registerUserWebSocket(app, deps, options.authTimeoutMs ?? 5_000);
    registerSessionEventsRoute(app, { ...deps, keepAliveMs: options.sseKeepAliveMs ?? 15_000 });
    registerChatRoutes(app, deps);
  },
  {
    name: 'switchboard-realtime',
    fastify: '5.x',
    decorators: { fastify: ['authenticator', 'requestLimits'] },
  },
);
