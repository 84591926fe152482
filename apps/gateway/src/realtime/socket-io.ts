import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as NodeHttpServer } from 'node:http';
import type { ErrorCode } from '@switchboard/contracts/errors';
import { isAppError } from '@switchboard/runtime/app-error';
import type { FastifyBaseLogger } from 'fastify';
import { type DefaultEventsMap, type Socket, Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { credentialOf } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import { anonymous } from '../auth/principal.js';
import type { ConnectionHub } from './connection-hub.js';
import { DispatchConversation } from './dispatch-protocol.js';
import { RealtimeConnection } from './realtime-connection.js';
import type { RealtimeDeps } from './realtime-deps.js';
import type { RealtimeLimits } from './realtime-limits.js';

const socketIoPath = '/socket.io';

interface SocketData {
  principal: Principal;
  credential: string | undefined;
}
type DispatchSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;

function isSocketIo(request: IncomingMessage): boolean {
  return request.url?.startsWith(`${socketIoPath}/`) ?? false;
}

/**
 * The HTTP server's upgrades minus Socket.IO's, for @fastify/websocket to
 * listen on instead of the server itself (its `options.server`). Both
 * engine.io and @fastify/websocket take every upgrade of the server they are
 * given: left side by side, Fastify would route `/socket.io/` upgrades to its
 * 404 while engine.io answers the same socket.
 */
export function upgradesBesideSocketIo(server: NodeHttpServer): NodeHttpServer {
  const relay = new EventEmitter();
  server.on('upgrade', (request: IncomingMessage, socket, head) => {
    if (!isSocketIo(request)) relay.emit('upgrade', request, socket, head);
  });
  // @fastify/websocket only adds and removes 'upgrade' listeners on it.
  return relay as unknown as NodeHttpServer;
}

/**
 * The credential of a Socket.IO handshake: socket.io-client's `auth: {token}`,
 * else whatever the HTTP routes accept (`Authorization`, `x-api-key`, `?token=`).
 */
function handshakeCredential(handshake: DispatchSocket['handshake']): string | undefined {
  const token: unknown = handshake.auth.token;
  if (typeof token === 'string' && token.length > 0 && token.length <= 4096) return token;
  return credentialOf({ headers: handshake.headers, query: handshake.query }, { allowQueryToken: true });
}

/**
 * A Socket.IO socket under the realtime rules. engine.io brings its own
 * heartbeat and frame limit; what is queued for the client is counted from
 * engine.io's packets (created, then flushed to the transport when it can
 * take them).
 */
class SocketIoClient extends RealtimeConnection {
  private queued = 0;

  constructor(
    private readonly socket: DispatchSocket,
    hub: ConnectionHub,
    limits: RealtimeLimits,
    logger: FastifyBaseLogger,
  ) {
    super(socketIoPath, hub, limits, logger);
    socket.conn.on('packetCreate', (packet: { data?: unknown }) => {
      const { data } = packet;
      this.queued +=
        typeof data === 'string' ? Buffer.byteLength(data) : Buffer.isBuffer(data) ? data.length : 0;
    });
    socket.conn.on('flush', () => {
      this.queued = 0;
    });
    socket.on('disconnect', () => this.closed());
  }

  get isOpen(): boolean {
    return this.socket.connected;
  }

  onMessage(handler: (event: string, data: unknown) => unknown): void {
    this.socket.onAny((event: string, data: unknown) => this.receive(() => handler(event, data)));
  }

  emit(event: string, data: Record<string, unknown>): void {
    if (this.mayQueue()) this.socket.emit(event, data);
  }

  sendError(code: ErrorCode, error: string): void {
    this.emit('error', { error, code });
  }

  /** Socket.IO has no close codes; the client sees "io server disconnect". */
  close(): void {
    this.socket.disconnect(true);
  }

  terminate(): void {
    this.socket.disconnect(true);
  }

  protected queuedBytes(): number {
    return this.queued;
  }
}

export interface SocketIoOptions {
  heartbeatMs: number;
  logger: FastifyBaseLogger;
  /**
   * Spends one unit of the caller's per-IP budget, throwing when it is spent:
   * engine.io serves `/socket.io` before Fastify's hooks, so the handshake
   * must be limited here.
   */
  spendIpBudget: (ip: string) => Promise<unknown>;
}

/**
 * `/socket.io`: 000's events for Socket.IO clients (`io(url)` unchanged),
 * the same conversation `/ws` speaks. engine.io is attached to the gateway's
 * HTTP server beside Fastify and serves `/socket.io/…` itself (polling
 * requests and upgrades); see `upgradesBesideSocketIo` for the other side.
 * The credential is checked in the handshake; a bad one is refused there.
 */
export function attachSocketIo(
  server: NodeHttpServer,
  deps: RealtimeDeps,
  options: SocketIoOptions,
): SocketIoServer {
  const io = new SocketIoServer<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>({
    path: socketIoPath,
    serveClient: false,
    maxHttpBufferSize: deps.limits.maxFrameBytes,
    pingInterval: options.heartbeatMs,
    // The gateway's own `ws`, rather than whichever one engine.io's require() finds.
    wsEngine: WebSocketServer,
    // Other paths' upgrades belong to Fastify; engine.io must not end them.
    destroyUpgrade: false,
  });
  io.attach(server);
  io.use((socket, next) => {
    const admit = async () => {
      await options.spendIpBudget(socket.handshake.address);
      const credential = handshakeCredential(socket.handshake);
      socket.data.credential = credential;
      socket.data.principal =
        credential === undefined ? anonymous : await deps.authenticator.authenticate(credential);
    };
    admit().then(
      () => next(),
      (error: unknown) => {
        // Socket.IO clients see the message of a refused handshake as `connect_error`.
        if (isAppError(error))
          return next(new Error(error.code === 'SB_UNAUTHENTICATED' ? 'Invalid token' : error.message));
        options.logger.error({ err: error }, 'socket.io handshake failed');
        next(new Error('The connection cannot be checked right now; try again shortly.'));
      },
    );
  });
  io.on('connection', (socket) => {
    const client = new SocketIoClient(socket, deps.hub, deps.limits, options.logger);
    if (socket.data.credential !== undefined) deps.hub.guard(client, socket.data.credential);
    const conversation = new DispatchConversation(deps, {
      id: socket.id,
      principal: socket.data.principal,
      ip: socket.handshake.address,
      get isOpen() {
        return client.isOpen;
      },
      emit: (event, data) => client.emit(event, data),
      drained: () => client.drained(),
    });
    client.onMessage((event, data) => conversation.handle(event, data));
    client.onClose(() => conversation.end());
    conversation.greet();
  });
  return io;
}
