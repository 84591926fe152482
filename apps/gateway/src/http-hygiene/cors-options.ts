import type { FastifyCorsOptions } from '@fastify/cors';

/** Headers a browser script may read: request ids for support, limits and downloads. */
const exposedHeaders = [
  'x-request-id',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'content-disposition',
];

/**
 * CORS from `CORS_ORIGINS`: none at all when empty (same-origin only, no
 * headers), any origin without credentials for `*` (credentials with a
 * wildcard would let every site act as the user), otherwise exactly the
 * listed origins, with credentials. Returns undefined when CORS is off.
 */
export function corsOptionsFor(origins: readonly string[]): FastifyCorsOptions | undefined {
  if (origins.length === 0) return undefined;
  const common = {
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders,
    maxAge: 600,
    // An OPTIONS without the preflight headers is answered like one (204), not with a
    // text/plain 400 outside the standard error body.
    strictPreflight: false,
  };
  if (origins.includes('*')) return { ...common, origin: '*', credentials: false };
  const allowed = new Set(origins);
  return {
    ...common,
    // An origin not on the list gets no CORS headers at all, so the browser refuses it.
    origin: (origin, callback) =>
      callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
  };
}
