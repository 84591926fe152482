import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { anonymous, type Principal } from '../auth/principal.js';
import { type LimitKind, RequestLimits, rateLimitHeaders } from './request-limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Unset: the caller's own budget (user, session, API key, else client IP).
     * `'channel'`: the caller's budget on `:channel`. `false`: never limited.
     */
    rateLimit?: 'channel' | false;
  }
  interface FastifyInstance {
    /** The same budgets the HTTP hook spends, for WebSocket messages. */
    requestLimits: RequestLimits;
  }
}

// The runtime's operational routes cannot name a gateway setting; probes and
// scrapes must still never be refused, or a busy IP would look like an outage.
const operationalRoutes = new Set(['/health', '/api/health', '/ready', '/metrics']);

/** Whose budget a caller spends: its own, or its IP's when it is nobody. */
export function callerBudget(principal: Principal, ip?: string): { kind: LimitKind; id: string } | undefined {
  switch (principal.kind) {
    case 'user':
      return { kind: 'user', id: principal.userId };
    case 'session':
      return { kind: 'session', id: principal.sessionId };
    case 'api_key':
      return { kind: 'api_key', id: principal.keyId };
    case 'anonymous':
      return ip === undefined ? undefined : { kind: 'ip', id: ip };
  }
}

function budgetOf(request: FastifyRequest): { kind: LimitKind; id: string } {
  // Without the auth hook (not registered, or not yet) every caller is anonymous.
  const caller = callerBudget(request.principal ?? anonymous, request.ip) ?? { kind: 'ip', id: request.ip };
  if (request.routeOptions.config.rateLimit !== 'channel') return caller;
  const channel = (request.params as { channel?: string }).channel ?? 'default';
  // The caller's kind stays in the id: a user id and a session id may look alike.
  return { kind: 'channel', id: `${channel}:${caller.kind}:${caller.id}` };
}

/**
 * Spends one request from the caller's budget before anything else runs
 * (after the principal is resolved) and reports the budget in headers.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, { service }: { service: ServiceBase }) => {
    const limits = new RequestLimits(service);
    app.decorate('requestLimits', limits);
    app.addHook('onRoute', (route) => {
      if (operationalRoutes.has(route.url) && route.config?.rateLimit === undefined) {
        route.config = { ...route.config, rateLimit: false };
      }
    });
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.rateLimit === false) return;
      const { kind, id } = budgetOf(request);
      reply.headers(rateLimitHeaders(await limits.consume(kind, id)));
    });
  },
  { name: 'switchboard-rate-limit', fastify: '5.x' },
);
