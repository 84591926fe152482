import type { ErrorCode } from '@switchboard/contracts/errors';
import type { FastifyBaseLogger } from 'fastify';
import type { ConnectionHub, HubConnection } from './connection-hub.js';
import { InboundRateLimit } from './inbound-rate-limit.js';
import { OutboundLimit } from './outbound-limit.js';
import type { RealtimeLimits } from './realtime-limits.js';
import { TaskQueue } from './task-queue.js';

/**
 * The rules every two-way realtime connection follows, whatever carries it
 * (a `ws` socket, a Socket.IO socket): tracked by the hub (gauge,
 * shutdown), inbound messages rate limited and handled one at a time in
 * arrival order, outbound messages bounded so a client that stops reading
 * is dropped (1013) instead of growing memory. Subclasses supply the
 * transport.
 */
export abstract class RealtimeConnection implements HubConnection {
  private readonly closeHandlers: Array<() => unknown> = [];
  private readonly tasks: TaskQueue;
  private readonly inbound: InboundRateLimit;
  private readonly outbound: OutboundLimit;
  private readonly untrack: () => void;
  private hasClosed = false;
  private dropping = false;

  constructor(
    readonly path: string,
    hub: ConnectionHub,
    protected readonly limits: RealtimeLimits,
    protected readonly logger: FastifyBaseLogger,
  ) {
    this.inbound = new InboundRateLimit(
      limits.messagesPerWindow,
      limits.messageWindowMs,
      limits.refusedBeforeClose,
    );
    this.outbound = new OutboundLimit(
      () => this.queuedBytes(),
      limits,
      () => this.dropSlowClient(),
    );
    this.tasks = new TaskQueue((error) => {
      logger.error({ err: error, path }, 'realtime message handler failed');
      this.sendError('SB_INTERNAL', 'Something went wrong on our side handling that message.');
    });
    this.untrack = hub.track(this);
  }

  abstract get isOpen(): boolean;
  abstract close(code: number, reason: string): void;
  abstract terminate(): void;
  /** Sends an error in the protocol's words. */
  abstract sendError(code: ErrorCode, error: string): void;
  /** Bytes queued for the client and not yet handed to the network. */
  protected abstract queuedBytes(): number;

  /**
   * Runs `task` after everything queued before it (setup that messages must
   * wait for). A setup that fails closes the connection (1011): a socket left
   * half set up would stay open following nothing.
   */
  enqueue(task: () => unknown): void {
    this.tasks.push(async () => {
      try {
        await task();
      } catch (error) {
        this.logger.error({ err: error, path: this.path }, 'realtime connection setup failed');
        this.close(1011, 'Could not set up the connection');
      }
    });
  }

  /** Resolves when the client has caught up enough for a replay to go on. */
  drained(): Promise<void> {
    return this.outbound.drained(() => this.isOpen);
  }

  /** Runs `handler` once the connection has closed (at once if it already has). */
  onClose(handler: () => unknown): void {
    if (this.hasClosed) this.runCloseHandler(handler);
    else this.closeHandlers.push(handler);
  }

  /** An inbound message: counted against the rate limit, then handled in turn. */
  protected receive(handle: () => unknown): void {
    const verdict = this.inbound.take();
    if (verdict === 'abusive') this.close(1008, 'Too many messages');
    else if (verdict === 'refused') this.sendError('SB_RATE_LIMITED', 'Too many messages; slow down.');
    else this.tasks.push(handle);
  }

  /** Whether one more outbound message may be queued; drops the client when it is too far behind. */
  protected mayQueue(): boolean {
    return this.isOpen && this.outbound.allows();
  }

  /** The transport reports the connection closed. */
  protected closed(): void {
    if (this.hasClosed) return;
    this.hasClosed = true;
    this.untrack();
    for (const handler of this.closeHandlers.splice(0)) this.runCloseHandler(handler);
  }

  /**
   * A client that stopped reading: the close goes out behind what is queued,
   * and the connection is cut off after the close grace whether or not the
   * client read it.
   */
  private dropSlowClient(): void {
    if (this.dropping) return;
    this.dropping = true;
    this.logger.info(
      { path: this.path, queued: this.queuedBytes() },
      'dropping a client that stopped reading',
    );
    this.close(1013, 'Client too slow');
    setTimeout(() => this.terminate(), this.limits.closeGraceMs).unref();
  }

  private runCloseHandler(handler: () => unknown): void {
    Promise.resolve()
      .then(handler)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, path: this.path }, 'realtime cleanup failed'),
      );
  }
}
