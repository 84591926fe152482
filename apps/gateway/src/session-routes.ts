import type { HttpServer } from '@switchboard/runtime/http-server';
import type { SessionStore } from '@switchboard/stores/sessions';
import { Type } from 'typebox';

/** The assistants a session can talk to (SPEC: Assistants). */
export const assistantNames = ['dispatch', 'lead', 'general', 'agent'] as const;

const CreateSessionBody = Type.Object(
  {
    assistant: Type.Optional(Type.Enum([...assistantNames])),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
    ),
  },
  { additionalProperties: false },
);

const CreatedSession = Type.Object({
  session_id: Type.String(),
  assistant: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  session_token: Type.String({
    description: 'Bearer token for this session only (HTTP, SSE and WebSocket).',
  }),
});

/**
 * `POST /api/sessions` (001): anyone may open a session; the answer carries
 * the token that gives `session` rights to it alone. A logged-in caller owns
 * the session and may also use their own token.
 */
export function registerSessionRoutes(app: HttpServer, sessions: SessionStore): void {
  app.post(
    '/api/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Open a chat session and get its session token',
        body: Type.Optional(CreateSessionBody),
        response: { 201: CreatedSession },
      },
      config: { policy: 'open' },
    },
    async (request, reply) => {
      const principal = request.principal;
      const session = await sessions.create({
        assistant: request.body?.assistant ?? 'lead',
        ...(principal.kind === 'user' ? { ownerId: principal.userId } : {}),
        metadata: request.body?.metadata ?? {},
      });
      // The id is a fresh UUID, so `create` refusing it means something is badly wrong.
      if (!session) throw new Error('a new session id was already taken');
      return reply.status(201).send({
        session_id: session.id,
        assistant: session.assistant,
        created_at: session.created_at,
        expires_at: session.expires_at,
        session_token: await app.sessionTokens.issue(session),
      });
    },
  );
}
