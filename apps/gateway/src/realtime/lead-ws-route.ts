import { randomUUID } from 'node:crypto';
import { ClientMessageIdSchema } from '@switchboard/contracts/chat';
import { type SessionEventEntry, streamEntryIdPattern } from '@switchboard/contracts/session-events';
import { isAppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { anonymous } from '../auth/principal.js';
import { maySeeSession } from '../auth/session-access.js';
import { guardRequestCredential } from './credential-guard.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { followInFrames } from './session-feed.js';
import { registerWebSocketRoute } from './websocket-route.js';
import { WsClient } from './ws-client.js';

const path = '/ws/:session_id';
const relayedEvents = new Set<SessionEventEntry['event']>(['chunk', 'message', 'email_sent', 'error']);
/** 001's client frame; SPEC §4: 1 to 2,000 characters. `client_message_id` makes a resend the same turn. */
const clientFrame = Compile(
  Type.Object({
    message: Type.String({ minLength: 1, maxLength: 2000 }),
    client_message_id: Type.Optional(ClientMessageIdSchema),
  }),
);

/**
 * A session entry as a 001 frame `{type, …data}` (with `event_id`, the stream
 * id to resume after); events 001's socket has no frame for are not sent.
 */
function leadFrameOf(entry: SessionEventEntry): Record<string, unknown> | null {
  if (!relayedEvents.has(entry.event)) return null;
  return { ...entry.data, type: entry.event, event_id: entry.id };
}

/**
 * `/ws/:session_id`: 001's socket for one session. The session token rides
 * on `?token=` or the `bearer, <token>` subprotocol; `?last_event_id=`
 * replays what came after it. Unknown session → close 1008 (SPEC §4), no
 * credential → 4401, no rights to the session → 4403.
 */
export function registerLeadWebSocket(app: HttpServer, deps: RealtimeDeps): void {
  registerWebSocketRoute(app, path, "001's lead-bot socket for one session", (socket, request) => {
    const client = new WsClient(socket, deps.hub, {
      path,
      limits: deps.limits,
      errorFrame: ({ error, code }) => ({ type: 'error', code, message: error }),
      logger: request.log,
    });
    /** Set once the socket is admitted; messages queued behind a refused admission find it unset. */
    let admitted = false;
    client.onMessage((text) => {
      if (!admitted) return;
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        return client.sendError('SB_BAD_JSON', 'The frame is not valid JSON.');
      }
      if (!clientFrame.Check(frame)) {
        return client.sendError('SB_VALIDATION', 'Send {"message": "<1 to 2000 characters>"}.');
      }
      const { session_id: sessionId } = request.params as { session_id: string };
      // The reply arrives through the session's feed, which this socket follows.
      return deps.chat
        .start(
          request.principal ?? anonymous,
          { message: frame.message, session_id: sessionId, client_message_id: frame.client_message_id },
          { requestId: randomUUID(), assistantForNew: null, viaSocket: true, ip: request.ip },
        )
        .then(
          (started) => {
            // Not awaited: the socket takes its next message while a resent turn finishes.
            deps.chat.replyToResend(started).then(
              (result) => {
                if (result) {
                  client.send({
                    type: 'message',
                    message: result.response,
                    data_collected: result.data_collected,
                    is_complete: result.is_complete,
                    turn_id: result.turn_id,
                  });
                }
              },
              (error: unknown) => {
                if (isAppError(error)) client.sendError(error.code, error.message);
                else request.log.error({ err: error }, 'answering a resent turn failed');
              },
            );
          },
          (error: unknown) => {
            if (!isAppError(error)) throw error;
            client.sendError(error.code, error.message);
          },
        );
    });
    // Queued ahead of every message, so none is answered before the socket is admitted.
    client.enqueue(async () => {
      const { session_id: sessionId } = request.params as { session_id: string };
      const { last_event_id: afterId } = request.query as { last_event_id?: unknown };
      const session = await deps.sessions.get(sessionId);
      if (!session) return client.close(1008, 'Session not found');
      const principal = request.principal ?? anonymous;
      if (principal.kind === 'anonymous') return client.close(4401, 'A session token is required');
      if (!maySeeSession(principal, session)) return client.close(4403, 'No rights to this session');
      guardRequestCredential(deps.hub, client, request);
      if (afterId !== undefined && (typeof afterId !== 'string' || !streamEntryIdPattern.test(afterId))) {
        return client.close(1008, 'Invalid last_event_id');
      }
      client.send(await deps.greetings.frame(session));
      const stop = await followInFrames(
        { fanout: deps.hub.sessions, log: deps.log, sessionId, afterId },
        client,
        leadFrameOf,
      );
      client.onClose(stop);
      admitted = true;
    });
  });
}
