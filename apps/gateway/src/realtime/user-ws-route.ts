import { isAppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { credentialOf } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import { anonymous } from '../auth/principal.js';
import { chatUnavailable } from './dispatch-protocol.js';
import { type EnvelopeFrame, envelopeError, parseEnvelope } from './envelope-frames.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { registerWebSocketRoute } from './websocket-route.js';
import { WsClient } from './ws-client.js';

const path = '/api/ws';
const authData = Compile(Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }));

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
            return client.sendError('SB_NOT_IMPLEMENTED', chatUnavailable);
          case 'ping':
            return client.send({ event: 'pong', data: { timestamp: new Date().toISOString() } });
          case 'auth':
            return client.sendError('SB_CONFLICT', 'This socket is authenticated already.');
          default:
            return client.sendError(
              'SB_VALIDATION',
              `Unknown event ${JSON.stringify(frame.envelope.event)}; this socket takes chat and ping.`,
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
