import { CreatedSession, CreateSessionBody } from '@switchboard/contracts/chat-api';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { SessionStore } from '@switchboard/stores/sessions';
import { Type } from 'typebox';
import { openChatDataStores } from './chat-data/chat-data-stores.js';
import { openSession, pickGreeting, storeGreeting } from './chat-data/session-opening.js';

/**
 * `POST /api/sessions` (001): anyone may open a session; the answer carries
 * the token that gives `session` rights to it alone. A logged-in caller owns
 * the session (within the per-user limit) and may also use their own token.
 * A lead session starts with the assistant's greeting stored as turn 0.
 */
export function registerSessionRoutes(app: HttpServer, service: ServiceBase, sessions: SessionStore): void {
  const { catalog, history } = openChatDataStores(service, sessions);
  const { maxPerUser } = service.config.sessions;
  app.post(
    '/api/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Open a chat session and get its session token',
        description:
          "001's `{session_id, timestamp, status}` plus the session token. A logged-in user may hold " +
          `at most MAX_SESSIONS_PER_USER active sessions. The \`lead\` assistant's greeting is stored as turn 0 ` +
          'once the chat service has published it.',
        // 001's client sends no body at all.
        body: Type.Union([CreateSessionBody, Type.Null()]),
        response: {
          201: CreatedSession,
          409: {
            description:
              'The user already holds the most active sessions allowed (`SB_SESSION_LIMIT`); ' +
              '`details.active_session_ids` lists them.',
            $ref: 'ErrorBody#',
          },
        },
      },
      config: { policy: 'open' },
    },
    async (request, reply) => {
      const assistant = request.body?.assistant ?? 'lead';
      const now = new Date();
      const session = await openSession(
        sessions,
        maxPerUser,
        request.principal,
        {
          assistant,
          metadata: request.body?.metadata ?? {},
        },
        now,
      );
      // The id is a fresh UUID, so `create` refusing it means something is badly wrong.
      if (!session) throw new Error('a new session id was already taken');
      const opening = assistant === 'lead' ? await pickGreeting(catalog, assistant) : null;
      if (opening) await storeGreeting(history, session.id, opening.greeting, now);
      return reply.status(201).send({
        session_id: session.id,
        timestamp: session.created_at,
        status: 'active',
        assistant: session.assistant,
        created_at: session.created_at,
        expires_at: session.expires_at,
        session_token: await app.sessionTokens.issue(session),
        ...(opening ? { greeting: opening.greeting } : {}),
      });
    },
  );
}
