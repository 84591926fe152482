import type { RoutePolicy } from '@switchboard/runtime/http-server';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/** What each standard failure means to a client, by status. */
const meaning = {
  400: 'The request does not match its schema or is not valid JSON (`SB_VALIDATION`, `SB_BAD_JSON`).',
  401: 'No valid credential or signature (`SB_UNAUTHENTICATED`, `SB_BAD_SIGNATURE`).',
  403: 'The credential is valid but does not open this route (`SB_FORBIDDEN`).',
  404: 'Nothing exists with that id (`SB_NOT_FOUND`).',
  413: 'The body is larger than allowed (`SB_PAYLOAD_TOO_LARGE`).',
  415: 'The body is not JSON, form-encoded or multipart (`SB_UNSUPPORTED_MEDIA_TYPE`).',
  429: 'Too many requests; `Retry-After` says when to try again (`SB_RATE_LIMITED`).',
  500: 'A bug on our side; the `requestId` identifies it in the logs (`SB_INTERNAL`).',
  503: 'The service is shutting down or a dependency is unavailable (`SB_UNAVAILABLE`).',
} as const;

type ErrorStatus = keyof typeof meaning;

export interface RouteShape {
  methods: readonly string[];
  url: string;
  policy: RoutePolicy | undefined;
  /** The route validates a body, query string, path parameters or headers. */
  validatesInput: boolean;
}

/**
 * The failures a route can answer besides its own responses. Every route can
 * be rate limited, refused while shutting down, or hit a bug; only routes
 * that take input can fail validation; only bodies can be too large or of
 * the wrong type; only ids in the path can be unknown; only routes that ask
 * for a credential can refuse one (signed routes refuse a signature, never a
 * role).
 */
function errorStatusesFor(route: RouteShape): ErrorStatus[] {
  const statuses: ErrorStatus[] = [];
  const takesBody = route.methods.some((method) => bodyMethods.has(method));
  if (takesBody || route.validatesInput) statuses.push(400);
  if (route.policy !== 'open') statuses.push(401);
  if (route.policy !== 'open' && route.policy !== 'signed') statuses.push(403);
  if (route.url.includes('/:')) statuses.push(404);
  if (takesBody) statuses.push(413, 415);
  statuses.push(429, 500, 503);
  return statuses;
}

/** Those failures as Fastify response schemas, each the shared error body (added by its `$id`). */
export function errorResponsesFor(route: RouteShape): Record<number, object> {
  return Object.fromEntries(
    errorStatusesFor(route).map((status) => [
      status,
      {
        description: meaning[status],
        $ref: 'ErrorBody#',
        ...(status === 429
          ? { headers: { 'retry-after': { type: 'integer', description: 'Seconds to wait.' } } }
          : {}),
      },
    ]),
  );
}
