import { topics } from '@switchboard/contracts/topics';
import { isAppError } from '@switchboard/runtime/app-error';
import type { EventSubscriber } from '@switchboard/runtime/pubsub';
import type { FastifyBaseLogger } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Authenticator } from '../auth/principal.js';
import { TopicFanout } from './topic-fanout.js';

/** One client connection as the hub sees it, whatever carries it (ws, Socket.IO, SSE). */
export interface HubConnection {
  /** The route pattern it came in on; the gauge's label. */
  readonly path: string;
  /** Asks the client to go (with a close code where the transport has them). */
  close(code: number, reason: string): void;
  /** Drops the connection at once. */
  terminate(): void;
  /**
   * Pings the client, or terminates it when the previous ping went
   * unanswered. Absent where the transport has its own (Socket.IO, SSE).
   */
  heartbeat?(): void;
}

export interface HubOptions {
  heartbeatMs: number;
  closeGraceMs: number;
  /** Checks a connection's credential again at every heartbeat (logout, revocation, expiry). */
  authenticator: Authenticator;
}

/**
 * Every realtime connection of this gateway instance, and the fan-out of
 * session and user events to them. The hub owns the per-instance parts:
 * one Redis subscription per session or user watched, the heartbeat timer,
 * the `sb_ws_connections` gauge and closing everything on shutdown.
 */
export class ConnectionHub {
  readonly sessions: TopicFanout<typeof topics.session>;
  readonly users: TopicFanout<typeof topics.user>;
  private readonly connections = new Set<HubConnection>();
  private readonly credentials = new Map<HubConnection, string>();
  private readonly gauge: Gauge<'path'>;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;
  private onEmpty: (() => void) | undefined;

  constructor(
    subscriber: EventSubscriber,
    registry: Registry,
    logger: FastifyBaseLogger,
    private readonly options: HubOptions,
  ) {
    this.sessions = new TopicFanout(subscriber, topics.session, logger);
    this.users = new TopicFanout(subscriber, topics.user, logger);
    this.gauge = new Gauge({
      name: 'sb_ws_connections',
      help: 'Open realtime connections (WebSocket, Socket.IO, SSE) by route path.',
      labelNames: ['path'],
      registers: [registry],
    });
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections) connection.heartbeat?.();
      for (const [connection, credential] of this.credentials) {
        this.recheck(connection, credential).catch((error: unknown) =>
          logger.warn({ err: error, path: connection.path }, 'could not re-check a realtime credential'),
        );
      }
    }, options.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Keeps a connection only as long as the credential it was admitted with
   * stays good: a logout, a revoked key, a deleted user or an expired token
   * closes it (4401) at the next heartbeat instead of at the next reconnect.
   */
  guard(connection: HubConnection, credential: string): void {
    if (this.connections.has(connection)) this.credentials.set(connection, credential);
  }

  private async recheck(connection: HubConnection, credential: string): Promise<void> {
    try {
      await this.options.authenticator.authenticate(credential);
    } catch (error) {
      // Only a refused credential ends the connection; Redis trouble is not the client's fault.
      if (!isAppError(error) || error.code !== 'SB_UNAUTHENTICATED') throw error;
      this.credentials.delete(connection);
      connection.close(4401, 'Your login ended or your token expired; sign in again.');
    }
  }

  /** Counts the connection until the returned function is called (once it has closed). */
  track(connection: HubConnection): () => void {
    if (this.closing) {
      // Not at once: the connection may still be under construction.
      queueMicrotask(() => connection.close(1001, 'Server shutting down'));
      return () => {};
    }
    this.connections.add(connection);
    this.gauge.inc({ path: connection.path });
    return () => {
      this.credentials.delete(connection);
      if (!this.connections.delete(connection)) return;
      this.gauge.dec({ path: connection.path });
      if (this.connections.size === 0) this.onEmpty?.();
    };
  }

  /**
   * Shutdown: asks every client to go with 1001, waits for them up to the
   * close grace, then cuts off the ones that did not answer.
   */
  async closeAll(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    if (this.connections.size === 0) return;
    const empty = new Promise<void>((resolve) => {
      this.onEmpty = resolve;
    });
    for (const connection of this.connections) connection.close(1001, 'Server shutting down');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeGraceMs);
    });
    await Promise.race([empty, grace]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.terminate();
  }
}
