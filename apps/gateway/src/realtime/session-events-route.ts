import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { type SessionEventEntry, StreamEntryId } from '@switchboard/contracts/session-events';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { SessionEventLog } from '@switchboard/stores/session-events';
import { type SessionStore, sessionIdPattern } from '@switchboard/stores/sessions';
import { Type } from 'typebox';
import type { ConnectionHub, HubConnection } from './connection-hub.js';
import { guardRequestCredential } from './credential-guard.js';
import { OutboundLimit } from './outbound-limit.js';
import type { RealtimeLimits } from './realtime-limits.js';
import { followSession } from './session-feed.js';

export interface SessionEventsRouteOptions {
  hub: ConnectionHub;
  log: SessionEventLog;
  sessions: SessionStore;
  limits: RealtimeLimits;
  /** Interval of the `: ping` comment that keeps proxies from closing an idle stream. */
  keepAliveMs: number;
}

const path = '/api/sessions/:id/events';

/** One entry as an SSE event: the stream id is the `id:`, so `Last-Event-ID` resumes after it. */
function sseEvent(entry: SessionEventEntry): string {
  return `id: ${entry.id}\nevent: ${entry.event}\ndata: ${JSON.stringify(entry.data)}\n\n`;
}

/**
 * One SSE response body: bounded like every realtime connection (a client
 * that stops reading is cut off), pinged, ended on shutdown.
 */
export class SseStream implements HubConnection {
  readonly body = new PassThrough();
  private readonly outbound: OutboundLimit;

  constructor(
    private readonly response: ServerResponse,
    limits: RealtimeLimits,
    readonly path: string,
  ) {
    const queued = () => this.body.writableLength + this.body.readableLength + response.writableLength;
    this.outbound = new OutboundLimit(queued, limits, () => this.terminate());
  }

  get isOpen(): boolean {
    return !this.body.destroyed && !this.body.writableEnded;
  }

  write(text: string): void {
    if (this.isOpen && this.outbound.allows()) this.body.write(text);
  }

  drained(): Promise<void> {
    return this.outbound.drained(() => this.isOpen);
  }

  close(): void {
    if (this.isOpen) this.body.end();
  }

  terminate(): void {
    this.body.destroy();
    this.response.destroy();
  }
}

export function registerSessionEventsRoute(app: HttpServer, options: SessionEventsRouteOptions): void {
  const { hub, log, sessions, limits, keepAliveMs } = options;
  app.get(
    path,
    {
      schema: {
        summary: "A session's events as Server-Sent Events",
        description:
          'Each event has `id:` (its stream id), `event:` and JSON `data:`. With `Last-Event-ID` ' +
          '(or `?last_event_id=`; `0-0` for everything kept) the events after that id are replayed ' +
          'first, each once; then new events follow. A `: ping` comment comes every 15 s.',
        tags: ['sessions'],
        params: Type.Object({ id: Type.String({ pattern: sessionIdPattern.source }) }),
        querystring: Type.Object({ last_event_id: Type.Optional(StreamEntryId) }),
        headers: Type.Object({ 'last-event-id': Type.Optional(StreamEntryId) }),
      },
      config: { policy: 'session' },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await sessions.exists(id))) throw new AppError('SB_NOT_FOUND', `Session ${id} not found.`);
      const afterId = request.headers['last-event-id'] ?? request.query.last_event_id;

      const stream = new SseStream(reply.raw, limits, path);
      const untrack = hub.track(stream);
      guardRequestCredential(hub, stream, request);
      let stopFollowing: (() => Promise<void>) | undefined;
      const pinger = setInterval(() => stream.write(': ping\n\n'), keepAliveMs);
      const cleanUp = () => {
        clearInterval(pinger);
        untrack();
        stopFollowing?.().catch((error: unknown) =>
          request.log.warn({ err: error }, 'SSE unsubscribe failed'),
        );
        stopFollowing = undefined;
      };
      reply.raw.once('close', cleanUp);

      reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no');
      // The first bytes flush the headers, so the client sees the stream open at once.
      stream.write('retry: 2000\n\n');
      reply.send(stream.body);

      followSession({
        fanout: hub.sessions,
        log,
        sessionId: id,
        afterId,
        target: { deliver: (entry) => stream.write(sseEvent(entry)), drained: () => stream.drained() },
      }).then(
        (stop) => {
          stopFollowing = stop;
          if (!stream.isOpen || reply.raw.destroyed) cleanUp();
        },
        (error: unknown) => {
          request.log.warn({ err: error }, 'SSE stream could not follow its session; the client will resume');
          stream.close();
        },
      );
      return reply;
    },
  );
}
