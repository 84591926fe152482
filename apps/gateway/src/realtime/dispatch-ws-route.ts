import { randomUUID } from 'node:crypto';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { anonymous } from '../auth/principal.js';
import { guardRequestCredential } from './credential-guard.js';
import { DispatchConversation } from './dispatch-protocol.js';
import { envelopeError, parseEnvelope } from './envelope-frames.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { registerWebSocketRoute } from './websocket-route.js';
import { WsClient } from './ws-client.js';

/** `/ws`: 000's events as `{event, data}` frames (the same conversation Socket.IO clients get). */
export function registerDispatchWebSocket(app: HttpServer, deps: RealtimeDeps): void {
  registerWebSocketRoute(app, '/ws', "000's assistant socket: {event, data} frames", (socket, request) => {
    const client = new WsClient(socket, deps.hub, {
      path: '/ws',
      limits: deps.limits,
      errorFrame: envelopeError,
      logger: request.log,
    });
    guardRequestCredential(deps.hub, client, request);
    const conversation = new DispatchConversation(deps, {
      id: randomUUID(),
      principal: request.principal ?? anonymous,
      ip: request.ip,
      get isOpen() {
        return client.isOpen;
      },
      emit: (event, data) => client.send({ event, data }),
      drained: () => client.drained(),
    });
    client.onMessage((text) => {
      const frame = parseEnvelope(text);
      if (!frame.ok) return client.sendError(frame.code, frame.error);
      return conversation.handle(frame.envelope.event, frame.envelope.data);
    });
    client.onClose(() => conversation.end());
    conversation.greet();
  });
}
