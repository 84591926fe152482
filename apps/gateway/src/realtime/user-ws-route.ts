import { randomUUID } from 'node:crypto';
import { ClientMessageIdSchema, SessionIdSchema } from '@switchboard/contracts/chat';
import { type SessionEventEntry, StreamEntryId } from '@switchboard/contracts/session-events';
import { isAppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { credentialOf } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import { anonymous } from '../auth/principal.js';
import { maySeeSession } from '../auth/session-access.js';
import { type EnvelopeFrame, envelopeError, parseEnvelope } from './envelope-frames.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { followInFrames } from './session-feed.js';
import { registerWebSocketRoute } from './websocket-route.js';
import { WsClient } from './ws-client.js';

const path = '/api/ws';
const authData = Compile(Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }));
const joinData = Compile(
  Type.Object({ session_id: SessionIdSchema, last_event_id: Type.Optional(StreamEntryId) }),
);
const chatData = Compile(
  Type.Object({
    message: Type.String({ pattern: '\\S', maxLength: 20_000 }),
    session_id: Type.Optional(SessionIdSchema),
    client_message_id: Type.Optional(ClientMessageIdSchema),
  }),
);

/**
 * A session entry in 003's words: the agent's reply is `agent_response`,
 * deltas `chunk`, the start of work `status`. Feedback events are not
 * relayed here: the user's own topic brings them to this socket already.
 */
function agentEventOf(
  entry: SessionEventEntry,
  sessionId: string,
): { event: string; data: Record<string, unknown> } | null {
  const ids = { session_id: sessionId, event_id: entry.id };
  switch (entry.event) {
    case 'chunk':
      return { event: 'chunk', data: { ...entry.data, ...ids } };
    case 'message':
      return { event: 'agent_response', data: { ...entry.data, ...ids } };
    case 'processing':
      return { event: 'status', data: { state: 'thinking', ...ids } };
    case 'error':
      return {
        event: 'error',
        data: { code: entry.data.code ?? 'SB_UPSTREAM', error: entry.data.message, ...ids },
      };
    default:
      return null;
  }
}

/** SPEC §4: 4401 for a missing or bad credential, 4403 for a valid one that may not use this socket. */
function closeCodeFor(error: unknown): number {
  if (!isAppError(error)) return 1011;
  return error.code === 'SB_FORBIDDEN' ? 4403 : 4401;
}

/**
 * `/api/ws`: 003's per-user socket, moved here from its `/ws/{user_id}`.
 * The client authenticates within `authTimeoutMs` (SPEC: 5 s) by the
 * `bearer, <token>` subprotocol (or `?token=`) or a first frame
 * `{event:"auth", data:{token}}`, with a user's access token; then it gets
 * `status` and the user's feedback events from the `user:<id>` topic.
 * `chat` talks to the user's agent (their latest agent session, or a new
 * one), `join` (alias `resume`) follows one of their sessions from a
 * `last_event_id`, so a reconnecting client gets what it missed, once.
 */
export function registerUserWebSocket(app: HttpServer, deps: RealtimeDeps, authTimeoutMs: number): void {
  registerWebSocketRoute(
    app,
    path,
    "003's per-user socket: feedback requests and status",
    (socket, request) => {
      const client = new WsClient(socket, deps.hub, {
        path,
        limits: deps.limits,
        errorFrame: envelopeError,
        logger: request.log,
      });
      let userId: string | undefined;
      let principalOfSocket: Principal = anonymous;
      const followed = new Map<string, () => Promise<void>>();
      client.onClose(async () => {
        const stops = [...followed.values()];
        followed.clear();
        await Promise.all(stops.map((stop) => stop()));
      });

      const follow = async (sessionId: string, afterId: string | undefined) => {
        if (followed.has(sessionId)) return;
        const stop = await followInFrames(
          { fanout: deps.hub.sessions, log: deps.log, sessionId, afterId },
          client,
          (entry) => agentEventOf(entry, sessionId),
        );
        if (client.isOpen) followed.set(sessionId, stop);
        else await stop();
      };

      const chat = async (data: unknown) => {
        if (!chatData.Check(data)) {
          return client.sendError(
            'SB_VALIDATION',
            'chat needs {"message": "<text>"}, and optionally "session_id".',
          );
        }
        const named = data.session_id;
        let afterId: string | undefined;
        try {
          const started = await deps.chat.start(
            principalOfSocket,
            {
              message: data.message,
              client_message_id: data.client_message_id,
              ...(named ? { session_id: named } : {}),
            },
            {
              requestId: randomUUID(),
              // Naming none: the user's latest agent session, or a new one.
              assistantForNew: named === undefined ? 'agent' : null,
              viaSocket: true,
              ip: request.ip,
              // Where the turn's events will start, known before the turn can emit any.
              beforeSubmit: async (session) => {
                if (!followed.has(session.id)) afterId = await deps.log.lastId(session.id);
              },
            },
          );
          const sessionId = started.session?.id;
          if (sessionId === undefined) return;
          await follow(sessionId, afterId);
          // Not awaited: the socket takes its next message while a resent turn finishes.
          deps.chat.replyToResend(started).then(
            (result) => {
              if (result) {
                client.send({
                  event: 'agent_response',
                  data: { message: result.response, session_id: sessionId, turn_id: result.turn_id },
                });
              }
            },
            (error: unknown) => {
              if (isAppError(error)) client.sendError(error.code, error.message);
              else request.log.error({ err: error }, 'answering a resent turn failed');
            },
          );
        } catch (error) {
          if (!isAppError(error)) throw error;
          client.sendError(error.code, error.message);
        }
      };

      /** Follows one of the user's sessions, replaying what came after `last_event_id` (a reconnect). */
      const join = async (data: unknown) => {
        if (!joinData.Check(data)) {
          return client.sendError(
            'SB_VALIDATION',
            'join needs {"session_id": "<id>"}, and "last_event_id" to resume.',
          );
        }
        const session = await deps.sessions.get(data.session_id);
        if (!session) return client.sendError('SB_NOT_FOUND', `Session ${data.session_id} not found.`);
        if (!maySeeSession(principalOfSocket, session)) {
          return client.sendError('SB_FORBIDDEN', `This login gives no access to session ${session.id}.`);
        }
        await follow(session.id, data.last_event_id ?? (await deps.log.lastId(session.id)));
        client.send({ event: 'joined', data: { session_id: session.id } });
      };
      const deadline = setTimeout(() => client.close(4401, 'Authentication required'), authTimeoutMs);
      client.onClose(() => clearTimeout(deadline));

      const admit = async (principal: Principal, credential: string | undefined) => {
        if (principal.kind !== 'user') return client.close(4403, 'A user access token is required');
        const stop = await deps.hub.users.watch(principal.userId, ({ event, data }) =>
          client.send({ event, data }),
        );
        // Only a socket that is fully set up is released from the authentication deadline.
        clearTimeout(deadline);
        if (credential !== undefined) deps.hub.guard(client, credential);
        client.onClose(stop);
        userId = principal.userId;
        principalOfSocket = principal;
        client.send({
          event: 'status',
          data: {
            state: 'authenticated',
            user_id: principal.userId,
            username: principal.username,
            timestamp: new Date().toISOString(),
          },
        });
      };

      const authenticate = async (frame: EnvelopeFrame) => {
        if (!frame.ok || frame.envelope.event !== 'auth' || !authData.Check(frame.envelope.data)) {
          return client.close(4401, 'Authenticate first: {"event":"auth","data":{"token":"…"}}');
        }
        let principal: Principal;
        try {
          principal = await deps.authenticator.authenticate(frame.envelope.data.token);
        } catch (error) {
          if (!isAppError(error)) request.log.error({ err: error }, 'authenticating a socket failed');
          return client.close(closeCodeFor(error), 'Invalid token');
        }
        return admit(principal, frame.envelope.data.token);
      };

      client.onMessage((text) => {
        const frame = parseEnvelope(text);
        if (userId === undefined) return authenticate(frame);
        if (!frame.ok) return client.sendError(frame.code, frame.error);
        switch (frame.envelope.event) {
          case 'chat':
            return chat(frame.envelope.data);
          case 'join':
          case 'resume':
            return join(frame.envelope.data);
          case 'ping':
            return client.send({ event: 'pong', data: { timestamp: new Date().toISOString() } });
          case 'auth':
            return client.sendError('SB_CONFLICT', 'This socket is authenticated already.');
          default:
            return client.sendError(
              'SB_VALIDATION',
              `Unknown event ${JSON.stringify(frame.envelope.event)}; this socket takes chat, join and ping.`,
            );
        }
      });

      // A credential on the upgrade itself: the auth hook resolved it, or noted why it could not.
      client.enqueue(() => {
        const principal = request.principal ?? anonymous;
        if (principal.kind !== 'anonymous') return admit(principal, credentialOf(request));
        if (request.credentialError) return client.close(4401, 'Invalid token');
      });
    },
  );
}
