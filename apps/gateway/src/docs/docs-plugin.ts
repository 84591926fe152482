import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ErrorBody } from '@switchboard/contracts/errors';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { errorResponsesFor } from './error-responses.js';
import { securityFor, securitySchemes } from './policy-security.js';

export interface DocsPluginOptions {
  service: Pick<ServiceBase, 'identity'>;
}

/** Prometheus scrapes it; no client of the API needs it in the document. */
const undocumented = new Set(['/metrics']);

/**
 * The success of a route that declares none: a WebSocket switches protocols;
 * anything else gets the bare 200 Swagger writes by default (which the added
 * failures would otherwise replace, leaving the route with no success at all).
 */
function defaultSuccess(route: RouteOptions, declared: object | undefined): object {
  if (Object.keys(declared ?? {}).some((status) => status.startsWith('2') || status === 'default')) return {};
  // @fastify/websocket marks its routes with `websocket: true` or a `wsHandler`.
  if ('websocket' in route || 'wsHandler' in route) {
    return { 101: { type: 'null', description: 'Switching Protocols: the WebSocket is open.' } };
  }
  return { 200: { type: 'null', description: 'Default Response' } };
}

/**
 * Adds to a route's schema what its policy implies: the credentials it takes,
 * the policy itself (`x-policy`), and the standard failures it can answer,
 * each with the shared error body. A response the route declares itself wins.
 */
function documentRoute(schema: FastifySchema | undefined, route: RouteOptions): FastifySchema {
  const policy = route.config?.policy;
  const declared = schema?.response as object | undefined;
  const errors = errorResponsesFor({
    methods: ([] as string[]).concat(route.method),
    url: route.url,
    policy,
    validatesInput: Boolean(schema?.body ?? schema?.querystring ?? schema?.params ?? schema?.headers),
  });
  return {
    ...schema,
    ...(policy ? { security: securityFor(policy), 'x-policy': policy } : {}),
    response: { ...defaultSuccess(route, declared), ...errors, ...declared },
  };
}

/**
 * The OpenAPI document of every route (`/docs/json`) and its UI (`/docs`),
 * both open. Registered before any route, so it sees them all.
 */
export const docsPlugin = fp(
  async (app: HttpServer, { service }: DocsPluginOptions) => {
    app.addSchema(ErrorBody);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Switchboard',
          version: service.identity.version,
          description:
            'One backend for chat assistants that also do real work. Every failure answers ' +
            '`{success:false, error, code, requestId}` with the status derived from `code`.',
        },
        components: { securitySchemes },
      },
      // Name shared schemas by their `$id`, so the document reads `ErrorBody`, not `def-0`
      // (as far as OpenAPI allows in a component name).
      refResolver: {
        buildLocalReference: (json, _base, _fragment, i) =>
          String(json.$id ?? `def-${i}`).replace(/[^A-Za-z0-9._-]/g, '_'),
      },
      transform: ({ schema, url, route }) => ({
        schema: undocumented.has(url) ? { ...schema, hide: true } : documentRoute(schema, route),
        url,
      }),
    });
    await app.register(async (ui) => {
      // The UI's own routes (page, assets, `/docs/json`) are open to anyone.
      ui.addHook('onRoute', (route) => {
        route.config = { ...route.config, policy: 'open' };
      });
      await ui.register(swaggerUi, { routePrefix: '/docs' });
    });
  },
  { name: 'switchboard-docs', fastify: '5.x' },
);
