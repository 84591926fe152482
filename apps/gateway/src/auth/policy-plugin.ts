import { AppError } from '@switchboard/runtime/app-error';
import type { RoutePolicy } from '@switchboard/runtime/http-server';
import type { SessionStore } from '@switchboard/stores/sessions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { bearerChallenge, isAdmin, type Principal } from './principal.js';
import { maySeeSession } from './session-access.js';

function unauthenticated(request: FastifyRequest): AppError {
  if (request.credentialError) {
    return new AppError(
      request.credentialError.code,
      request.credentialError.message,
      request.credentialError.details,
      {
        headers: bearerChallenge,
      },
    );
  }
  return new AppError('SB_UNAUTHENTICATED', 'This route needs a token or an API key.', undefined, {
    headers: bearerChallenge,
  });
}

const forbidden = (why: string) => new AppError('SB_FORBIDDEN', why);

/** The session a `session` route is about: `:id` or `:session_id`, or the body's `session_id`. */
function sessionIdOf(request: FastifyRequest): string | undefined {
  if (request.routeOptions.config.sessionIn === 'body') {
    const body = request.body as { session_id?: unknown } | undefined;
    return typeof body?.session_id === 'string' ? body.session_id : undefined;
  }
  const params = request.params as Record<string, string | undefined>;
  return params.id ?? params.session_id;
}

/**
 * Least privilege, enforced in one place: every route names its policy in
 * `config.policy`, and a route without one is refused (deny by default).
 */
export async function enforcePolicy(
  policy: RoutePolicy | undefined,
  request: FastifyRequest,
  sessions: SessionStore,
): Promise<void> {
  if (policy === 'open' || policy === 'signed') return;
  if (policy === undefined) {
    request.log.error({ url: request.routeOptions.url }, 'route declares no access policy');
    throw forbidden('This route is not open to anyone.');
  }
  const principal: Principal = request.principal;
  if (principal.kind === 'anonymous') throw unauthenticated(request);
  if (isAdmin(principal)) return;
  switch (policy) {
    case 'user':
      if (principal.kind === 'user') return;
      throw forbidden('This route is for logged-in users.');
    case 'admin':
      throw forbidden('This route is for administrators.');
    case 'session': {
      const sessionId = sessionIdOf(request);
      if (sessionId === undefined && request.routeOptions.config.sessionOptional) {
        if (principal.kind === 'user' || principal.kind === 'session') return;
        throw forbidden('This route is for logged-in users and session tokens.');
      }
      if (principal.kind === 'session' && principal.sessionId === sessionId) return;
      if (sessionId !== undefined) {
        const session = await sessions.get(sessionId);
        // An unknown session is the handler's 404; someone else's is a 403.
        if (!session || maySeeSession(principal, session)) return;
      }
      throw forbidden('This token gives no access to that session.');
    }
    default: {
      const scope = policy.slice('scope:'.length);
      if (principal.kind === 'api_key' && principal.scopes.some((held) => held === scope)) return;
      throw forbidden(`This route needs the "${scope}" scope.`);
    }
  }
}

/** Registered after rate limiting, so refused requests still count against their budget. */
export const policyPlugin = fp(
  async (app: FastifyInstance, { sessions }: { sessions: SessionStore }) => {
    app.addHook('onRequest', async (request) => {
      if (request.is404) return;
      const { policy, sessionIn } = request.routeOptions.config;
      // The body names the session: only a credential is checked before it is read.
      if (policy === 'session' && sessionIn === 'body') {
        if (request.principal.kind === 'anonymous') throw unauthenticated(request);
        return;
      }
      await enforcePolicy(policy, request, sessions);
    });
    // After validation, so `session_id` is known to be a well-formed id (or absent).
    app.addHook('preHandler', async (request) => {
      const { policy, sessionIn } = request.routeOptions.config;
      if (policy === 'session' && sessionIn === 'body') await enforcePolicy(policy, request, sessions);
    });
  },
  { name: 'switchboard-policy', dependencies: ['switchboard-auth'], fastify: '5.x' },
);
