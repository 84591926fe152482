import type { ErrorCode } from '@switchboard/contracts/errors';
import type { WsErrorData } from '@switchboard/contracts/ws-envelope';
import type { FastifyBaseLogger } from 'fastify';
import { type RawData, WebSocket } from 'ws';
import type { ConnectionHub } from './connection-hub.js';
import { RealtimeConnection } from './realtime-connection.js';
import type { RealtimeLimits } from './realtime-limits.js';

export interface WsClientOptions {
  path: string;
  limits: RealtimeLimits;
  /** How this path's protocol words an error frame. */
  errorFrame: (error: WsErrorData) => unknown;
  logger: FastifyBaseLogger;
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
}

/**
 * A `ws` socket (`/ws`, `/ws/:session_id`, `/api/ws`) under the realtime
 * rules, with a ping every heartbeat: one that went unanswered since the
 * last heartbeat means a dead peer, and the socket is terminated.
 */
export class WsClient extends RealtimeConnection {
  private alive = true;

  constructor(
    private readonly socket: WebSocket,
    hub: ConnectionHub,
    private readonly options: WsClientOptions,
  ) {
    super(options.path, hub, options.limits, options.logger);
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.once('close', () => this.closed());
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Passes each text message to `handler`, in order, one at a time. Attach it
   * before the route handler's first `await`: `ws` drops messages that
   * arrive while nobody listens.
   */
  onMessage(handler: (text: string) => unknown): void {
    this.socket.on('message', (data) => {
      const text = textOf(data);
      this.receive(() => handler(text));
    });
  }

  send(frame: unknown): void {
    if (this.mayQueue()) this.socket.send(JSON.stringify(frame));
  }

  sendError(code: ErrorCode, error: string): void {
    this.send(this.options.errorFrame({ error, code }));
  }

  heartbeat(): void {
    if (!this.alive) this.terminate();
    else if (this.isOpen) {
      this.alive = false;
      this.socket.ping();
    }
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  protected queuedBytes(): number {
    return this.socket.bufferedAmount;
  }
}
