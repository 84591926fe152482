import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  SessionLogQuery,
  SessionStarted,
  SessionStopBody,
  SessionStopped,
} from '@switchboard/contracts/chat-api';
import { queues } from '@switchboard/contracts/queues';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { isLogDate, type SessionLogEntry, type SessionLogStore } from '@switchboard/stores/session-log';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ChatDataStores } from './chat-data-stores.js';
import { openSession } from './session-opening.js';
import { sessionNotFound } from './session-read-routes.js';
import { utcStamp } from './utc-stamp.js';

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** 002's id style, `session_YYYYMMDD_HHMMSS`, plus a random suffix so two starts in one second differ. */
export function startedSessionId(at: Date): string {
  return `session_${utcStamp(at)}_${randomBytes(6).toString('hex')}`;
}

/** A real calendar day, not only the shape (`2025-02-30` is refused). */
function checkedDay(date: string): string {
  if (!isLogDate(date)) throw new AppError('SB_VALIDATION', `${date} is not a calendar day; use YYYY-MM-DD.`);
  return date;
}

/** The day's log as JSON Lines, one page of lines at a time. */
async function* logLines(sessionLog: SessionLogStore, date: string): AsyncGenerator<string> {
  for await (const page of sessionLog.pages(date)) yield page.map((line) => `${line}\n`).join('');
}

/**
 * 002's session start/stop and its daily JSON Lines log. Each event is
 * appended to the day's log in Redis (what `GET /api/session-log` reads)
 * and queued for the chat service, the one writer of the day's file.
 */
export function registerSessionLogRoutes(
  app: HttpServer,
  service: ServiceBase,
  stores: ChatDataStores,
): void {
  const { sessions, sessionLog } = stores;
  const chat = service.producer(queues.chat);
  const { maxPerUser } = service.config.sessions;

  async function logEvent(entry: SessionLogEntry, requestId: string): Promise<void> {
    const line = await sessionLog.append(entry);
    // One job per line however often this is retried: the file gets the line once.
    const jobId = `session-log-${createHash('sha256').update(line).digest('hex').slice(0, 40)}`;
    await chat.add('session_log', { date: entry.date, line }, { requestId, jobId });
  }

  app.post(
    '/api/session/start',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Start a general chat session and log `session_start` (002)',
        response: {
          200: SessionStarted,
          409: {
            description: 'The user already holds the most active sessions allowed (`SB_SESSION_LIMIT`).',
            $ref: 'ErrorBody#',
          },
        },
      },
      config: { policy: 'open' },
    },
    async (request) => {
      const now = new Date();
      const session = await openSession(
        sessions,
        maxPerUser,
        request.principal,
        { id: startedSessionId(now), assistant: 'general', metadata: {} },
        now,
      );
      // 48 random bits in the id: a clash means something is badly wrong.
      if (!session) throw new Error('a new session id was already taken');
      const timestamp = now.toISOString();
      await logEvent(
        { event: 'session_start', session_id: session.id, timestamp, date: utcDay(now) },
        request.id,
      );
      return {
        session_id: session.id,
        timestamp,
        session_token: await app.sessionTokens.issue(session),
        expires_at: session.expires_at,
      };
    },
  );

  app.post(
    '/api/session/stop',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Stop a session and log `session_stop` with its duration and metrics (002)',
        description:
          "`duration_seconds` runs from that session's start. A session stops once: stopping it again, " +
          'or stopping an unknown id, is a 404.',
        body: SessionStopBody,
        response: {
          200: SessionStopped,
          404: {
            description: 'No such session, or it is already stopped (`SB_NOT_FOUND`).',
            $ref: 'ErrorBody#',
          },
        },
      },
      config: { policy: 'session', sessionIn: 'body' },
    },
    async (request) => {
      const { session_id: id, metrics = {} } = request.body;
      const now = new Date();
      const stopped = await sessions.stop(id, metrics, now);
      if (!stopped) throw sessionNotFound(id);
      if (stopped.alreadyStopped) throw new AppError('SB_NOT_FOUND', `Session ${id} is already stopped`);
      const duration = Math.max(0, now.getTime() - Date.parse(stopped.record.created_at)) / 1000;
      const timestamp = now.toISOString();
      await logEvent(
        {
          event: 'session_stop',
          session_id: id,
          timestamp,
          date: utcDay(now),
          duration_seconds: duration,
          metrics,
        },
        request.id,
      );
      return { status: 'stopped' as const, timestamp, session_id: id, duration_seconds: duration };
    },
  );

  app.get(
    '/api/session-log',
    {
      schema: {
        tags: ['sessions'],
        summary: "One day's session event log as JSON Lines (002)",
        querystring: SessionLogQuery,
        response: {
          200: {
            description:
              'One JSON object per line, in the order written (empty on a day without events), streamed ' +
              'as it is read: the lines the day had when the request came.',
            content: { 'application/x-ndjson': { schema: Type.String() } },
          },
        },
      },
      config: { policy: 'admin' },
    },
    async (request, reply) => {
      const date = checkedDay(request.query.date ?? utcDay(new Date()));
      // A stream is no body the schema's type describes; Fastify pipes it as it is.
      return (reply as FastifyReply)
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(Readable.from(logLines(sessionLog, date)));
    },
  );
}
