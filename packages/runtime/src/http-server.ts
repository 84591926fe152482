import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type CheckResult, HealthBody, ReadyBody } from '@switchboard/contracts/health';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import { errorBody, errorHandlerPlugin } from './error-handler.js';
import type { ServiceLifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';

export type HttpServer = FastifyInstance<
  import('node:http').Server,
  IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpServerOptions {
  lifecycle: ServiceLifecycle;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Everything `/ready` checks; each check answers within its own time limit. */
  readiness: () => Promise<Record<string, CheckResult>>;
  bodyLimit?: number;
  /**
   * Plugins that must see every route, the base ones included (API docs,
   * security headers, auth hooks), registered before any route.
   */
  setup?: (app: HttpServer) => Promise<void>;
  trustProxy?: boolean | number | string[];
  /** Who may scrape `/metrics`: open on internal ports, restricted on a public one. */
  metricsPolicy?: RoutePolicy;
  /** Whether a language model is configured, for `/health` (002 reported it there). */
  openaiConfigured: boolean;
}

/**
 * Who may call a route. Every route names one in its `config.policy`; the
 * gateway's auth hook enforces it (internal services expose only `open`
 * operational routes).
 */
export type RoutePolicy = 'open' | 'session' | 'user' | 'admin' | 'signed' | `scope:${string}`;

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
    /**
     * For a `session` route whose session is named in the JSON body
     * (`session_id`), not the path: the check runs once the body is parsed.
     */
    sessionIn?: 'body';
    /**
     * A `session` route that also serves calls naming no session (002's
     * stateless chat): then any user or session token may call it.
     */
    sessionOptional?: boolean;
  }
}

/** How long requests in flight may take to finish once shutdown starts. */
const httpDrainMs = 3_000;
const quietPaths = new Set(['/health', '/ready', '/metrics', '/api/health']);
const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's request id is kept when it is harmless, so traces join up; otherwise a new one. */
function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && safeRequestId.test(given) ? given : randomUUID();
}

/**
 * The Fastify instance every service starts from: request ids, the standard
 * error body, HTTP metrics, `/health`, `/ready` and `/metrics`. Closing it is
 * registered with the lifecycle's `http` stage.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { lifecycle, metrics } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: requestIdFor,
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Probes and scrapes arrive every few seconds; logging each would bury real traffic.
      disableRequestLogging: (request: { url?: string }) => quietPaths.has(request.url?.split('?')[0] ?? ''),
    }),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // A JSON Schema type list (`type: ['number', 'string']`) says "any of these, as they are":
    // allowed, so such a field is never coerced the way a union of schemas would be.
    ajv: { customOptions: { allowUnionTypes: true } },
    return503OnClosing: true,
    // A hop count means: trust that many proxies nearest to us.
    trustProxy:
      typeof options.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (options.trustProxy as number)
        : (options.trustProxy ?? false),
    // Errors Fastify raises before routing (a malformed URL, an over-long parameter) get the standard body too.
    frameworkErrors: (error, request, reply) => {
      (reply as FastifyReply)
        .header('x-request-id', request.id)
        .status(400)
        .send(errorBody(request, 'SB_VALIDATION', error.message));
    },
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  await app.register(errorHandlerPlugin);
  await options.setup?.(app);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // `/api/health` is 002's path for the same answer.
  for (const url of ['/health', '/api/health']) {
    app.get(
      url,
      {
        schema: { summary: 'Liveness of this service', response: { 200: HealthBody } },
        config: { policy: 'open' },
      },
      async () => ({
        status: 'ok' as const,
        service: lifecycle.identity.name,
        version: lifecycle.identity.version,
        uptime_s: lifecycle.uptimeSeconds(),
        timestamp: new Date().toISOString(),
        openai_configured: options.openaiConfigured,
      }),
    );
  }

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: every dependency answers',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
      config: { policy: 'open' },
    },
    async (_request, reply) => {
      const checks = lifecycle.isStopping
        ? { lifecycle: { ok: false, detail: 'shutting down' } }
        : await options.readiness();
      const ready = Object.values(checks).every((check) => check.ok);
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        service: lifecycle.identity.name,
        checks,
      });
    },
  );

  app.get('/metrics', { config: { policy: options.metricsPolicy ?? 'open' } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  lifecycle.onStop('http', 'http server', async () => {
    // A connection opened but never used (a browser's or undici's preconnect) counts as in progress
    // and would hold close() forever; requests in flight get a short grace, then everything goes.
    const force = setTimeout(() => app.server.closeAllConnections(), httpDrainMs);
    try {
      await app.close();
    } finally {
      clearTimeout(force);
    }
  });
  return app;
}
