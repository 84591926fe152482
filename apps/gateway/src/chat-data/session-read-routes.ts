import {
  SessionData,
  SessionDetail,
  SessionList,
  SessionListQuery,
  SessionParams,
} from '@switchboard/contracts/chat-api';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import { Type } from 'typebox';
import { isAdmin } from '../auth/principal.js';
import type { ChatDataStores } from './chat-data-stores.js';
import { sessionData, sessionFacts, sessionSummary } from './session-views.js';

/** The newest messages `GET /api/sessions/:id` carries (one history page); the export has them all. */
const detailMessageLimit = 1_000;

export const sessionNotFound = (id: string) => new AppError('SB_NOT_FOUND', `Session ${id} not found`);

/**
 * `GET /api/sessions` and `GET /sessions` (000's list, 001's array with
 * `?format=array`, 003's `active_count`): a user's own sessions or, for an
 * admin, everyone's; newest activity first, paginated, emails masked.
 * `GET /api/sessions/:id` (001): one session with its transcript.
 */
export function registerSessionReadRoutes(app: HttpServer, stores: ChatDataStores): void {
  const { sessions, history } = stores;

  for (const url of ['/api/sessions', '/sessions']) {
    app.get(
      url,
      {
        schema: {
          tags: ['sessions'],
          summary: 'List sessions: your own, or every session for an admin',
          description:
            "000's `{sessions, total}` (plus 003's `active_count`), or 001's bare `SessionData` array with " +
            '`?format=array`. Newest activity first; emails are masked.',
          querystring: SessionListQuery,
          response: { 200: Type.Union([SessionList, Type.Array(SessionData)]) },
        },
        config: { policy: 'user' },
      },
      async (request) => {
        const { limit = 50, skip = 0, format = 'object' } = request.query;
        const principal = request.principal;
        const ownerId = isAdmin(principal) || principal.kind !== 'user' ? undefined : principal.userId;
        const page = await sessions.list({ ...(ownerId ? { ownerId } : {}), offset: skip, limit });
        const facts = await Promise.all(page.sessions.map((record) => sessionFacts(stores, record)));
        if (format === 'array') return facts.map((fact) => sessionData(fact, null));
        return {
          sessions: facts.map(sessionSummary),
          total: page.total,
          // Expired sessions leave the index, so every listed one is live (stopped ones until they expire).
          active_count: page.total,
          limit,
          skip,
        };
      },
    );
  }

  app.get(
    '/api/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'One session with its transcript and collected data',
        description:
          `001's \`SessionData\` plus every stored message in \`messages\` (the newest ${detailMessageLimit}; ` +
          '`message_count` is the total and the export has them all).',
        params: SessionParams,
        response: { 200: SessionDetail },
      },
      config: { policy: 'session' },
    },
    async (request) => {
      const record = await sessions.get(request.params.id);
      if (!record) throw sessionNotFound(request.params.id);
      const [facts, messages] = await Promise.all([
        sessionFacts(stores, record),
        history.recent(record.id, detailMessageLimit),
      ]);
      return { ...sessionData(facts, messages), messages };
    },
  );
}
