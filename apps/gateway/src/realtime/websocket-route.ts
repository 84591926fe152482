import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/**
 * A WebSocket path. It is `open` at the HTTP level: each handler authorizes
 * inside the socket, so it can answer with the close codes SPEC §4 names
 * (1008, 4401, 4403) rather than an HTTP status the client cannot read.
 * A plain GET gets the standard error body instead of an empty 404.
 */
export function registerWebSocketRoute(
  app: HttpServer,
  url: string,
  summary: string,
  handler: (socket: WebSocket, request: FastifyRequest) => void,
): void {
  app.route({
    method: 'GET',
    url,
    config: { policy: 'open' },
    schema: { summary, description: 'WebSocket only (`Upgrade: websocket`).', tags: ['realtime'] },
    handler: async () => {
      throw new AppError(
        'SB_VALIDATION',
        `${url} takes WebSocket connections only (send Upgrade: websocket).`,
      );
    },
    wsHandler: (socket, request) => handler(socket, request),
  });
}
