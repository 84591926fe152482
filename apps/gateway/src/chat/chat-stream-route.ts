import { ChatTurnBody, leadPassedOnMessage, type TurnResult } from '@switchboard/contracts/chat';
import {
  compareStreamIds,
  type SessionEventEntry,
  StreamEntryId,
} from '@switchboard/contracts/session-events';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { Type } from 'typebox';
import { guardRequestCredential } from '../realtime/credential-guard.js';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import { SseStream } from '../realtime/session-events-route.js';
import { followSession } from '../realtime/session-feed.js';
import { clientMessageIdOf, errorResponses, IdempotencyHeaders } from './chat-route-schemas.js';

const streamPath = '/api/chat/stream';
/** A `: ping` comment this often keeps proxies from closing a stream that waits for its turn. */
const keepAliveMs = 15_000;

/** 001's SSE frame for a session event of this turn, or null when 001's stream has none for it. */
function streamFrameOf(entry: SessionEventEntry): Record<string, unknown> | null {
  switch (entry.event) {
    case 'chunk':
    case 'email_sent':
    case 'done':
      return { type: entry.event, ...entry.data };
    case 'error':
      return { type: 'error', message: entry.data.message, code: entry.data.code };
    default:
      return null;
  }
}

/** A finished turn told again as 001's frames, for a client that resends it without a resume id. */
function framesOfResult(result: TurnResult): Record<string, unknown>[] {
  if (result.error) return [{ type: 'error', message: result.error.message, code: result.error.code }];
  const lead = { data_collected: result.data_collected, is_complete: result.is_complete };
  return [
    { type: 'chunk', content: result.response },
    ...(result.email_sent ? [{ type: 'email_sent', message: leadPassedOnMessage }] : []),
    { type: 'done', ...lead },
  ];
}

/**
 * 001's `POST /api/chat/stream`: one turn streamed as the original frontend
 * reads it (`data:` frames, no `event:`), each with the `id:` a resend
 * resumes after.
 */
export function registerChatStreamRoute(app: HttpServer, deps: RealtimeDeps): void {
  const { chat } = deps;
  app.post(
    streamPath,
    {
      schema: {
        tags: ['chat'],
        summary: "One chat turn streamed as 001's Server-Sent Events",
        description:
          'Frames `data: {"type":"chunk","content"}` × N, `{"type":"email_sent"}` on the turn that completes the ' +
          'lead, then `{"type":"done", data_collected, is_complete}`; `{"type":"error", message}` on failure. ' +
          'Each frame has an `id:`: resend the same `client_message_id` with `Last-Event-ID` to resume.',
        body: ChatTurnBody,
        headers: Type.Object({
          ...IdempotencyHeaders.properties,
          'last-event-id': Type.Optional(StreamEntryId),
        }),
        response: {
          200: { description: 'text/event-stream', type: 'string' },
          ...errorResponses,
        },
      },
      config: { policy: 'session', sessionIn: 'body', sessionOptional: true },
    },
    async (request, reply) => {
      const body = request.body;
      if (
        body.history !== undefined ||
        body.attached_files !== undefined ||
        body.attached_content !== undefined
      ) {
        throw new AppError(
          'SB_VALIDATION',
          "This route streams a session's turn; send 002's calls (history, attached files) to POST /api/chat.",
        );
      }
      const resumeAfter = (request.headers as { 'last-event-id'?: string })['last-event-id'];
      let newest = '0-0';
      const started = await chat.start(request.principal, request.body, {
        requestId: request.id,
        clientMessageId: clientMessageIdOf(request),
        assistantForNew: null,
        ip: request.ip,
        beforeSubmit: async (session) => {
          newest = await deps.log.lastId(session.id);
          if (resumeAfter !== undefined && compareStreamIds(resumeAfter, newest) > 0) {
            throw new AppError(
              'SB_VALIDATION',
              `Last-Event-ID ${resumeAfter} is newer than any event of this session.`,
            );
          }
        },
      });
      const session = started.session;
      // A body without history or files is always a session's turn.
      if (!session) throw new Error('a streamed turn has no session');
      const { turnId, finished, isNew } = started.submitted;
      // A new turn's events all come after `newest`; a resent one may have begun before it (its events carry its id).
      const startAfter = resumeAfter ?? (isNew ? newest : '0-0');

      const stream = new SseStream(reply.raw, deps.limits, streamPath);
      const untrack = deps.hub.track(stream);
      guardRequestCredential(deps.hub, stream, request);
      reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('connection', 'keep-alive')
        .header('x-accel-buffering', 'no');
      reply.send(stream.body);

      const write = (frame: Record<string, unknown>, id?: string) =>
        stream.write(`${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(frame)}\n\n`);

      if (finished && resumeAfter === undefined) {
        // Nothing to follow: the whole turn is known (a resend of a finished one).
        for (const frame of framesOfResult(finished)) write(frame);
        stream.close();
        untrack();
        return reply;
      }

      let stopFollowing: (() => Promise<void>) | undefined;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearTimeout(deadline);
        clearInterval(pinger);
        untrack();
        stream.close();
        stopFollowing?.().catch((error: unknown) =>
          request.log.warn({ err: error }, 'chat stream unsubscribe failed'),
        );
      };
      // The deadline is for silence, not length: every event of the turn restarts it.
      const deadline = setTimeout(() => {
        write({
          type: 'error',
          code: 'SB_TIMEOUT',
          message: 'No reply in time; it will still be added to the session history.',
        });
        end();
      }, chat.deadlineMs);
      const pinger = setInterval(() => stream.write(': ping\n\n'), keepAliveMs);
      reply.raw.once('close', end);

      followSession({
        fanout: deps.hub.sessions,
        log: deps.log,
        sessionId: session.id,
        afterId: startAfter,
        target: {
          deliver: (entry) => {
            if (ended || (entry.data as { turn_id?: unknown }).turn_id !== turnId) return;
            deadline.refresh();
            if (resumeAfter !== undefined && compareStreamIds(entry.id, resumeAfter) <= 0) return;
            const frame = streamFrameOf(entry);
            if (frame) write(frame, entry.id);
            if (entry.event === 'done' || entry.event === 'error') end();
          },
          drained: () => stream.drained(),
        },
      }).then(
        (stop) => {
          stopFollowing = stop;
          if (ended) stop().catch(() => undefined);
        },
        (error: unknown) => {
          request.log.warn({ err: error }, 'chat stream could not follow its session');
          end();
        },
      );
      return reply;
    },
  );
}
