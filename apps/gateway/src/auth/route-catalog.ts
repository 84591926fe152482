import type { HttpServer, RoutePolicy } from '@switchboard/runtime/http-server';

export interface CatalogedRoute {
  method: string;
  url: string;
  policy: RoutePolicy | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeCatalog: CatalogedRoute[];
  }
}

/**
 * Records every route with its policy, and refuses to start when one has
 * none: a forgotten policy fails the deploy, not a request in production.
 * Installed first, so it sees every route registered after it.
 */
export function catalogRoutes(app: HttpServer): void {
  const catalog: CatalogedRoute[] = [];
  app.decorate('routeCatalog', catalog);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Read when asked: a later onRoute hook (e.g. the queue dashboard's) may still set the policy.
      catalog.push({
        method,
        url: route.url,
        get policy() {
          return route.config?.policy;
        },
      });
    }
  });
  app.addHook('onReady', async () => {
    const missing = catalog.filter((route) => route.policy === undefined);
    if (missing.length > 0) {
      throw new Error(
        `routes without an access policy: ${missing.map((route) => `${route.method} ${route.url}`).join(', ')}`,
      );
    }
  });
}
