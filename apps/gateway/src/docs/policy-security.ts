import type { RoutePolicy } from '@switchboard/runtime/http-server';

/** The credentials a client can present, as OpenAPI security schemes. */
export const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT access token or session token',
    description:
      '`Authorization: Bearer <token>`: a user access token from `/api/auth/login`, or the session token ' +
      'returned when the session was created (it opens only that session).',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'An API key from `/api/admin/api-keys`; it opens the routes of its scopes.',
  },
} as const;

export type SecurityRequirement = Record<keyof typeof securitySchemes, string[]>;

/**
 * Which credentials open a route of this policy, as OpenAPI alternatives
 * (any one will do). Open and signed routes take none of these: signed ones
 * carry their caller's signature instead, which the route itself describes.
 */
export function securityFor(policy: RoutePolicy): Partial<SecurityRequirement>[] {
  if (policy === 'open' || policy === 'signed') return [];
  if (policy === 'user' || policy === 'session') return [{ bearerAuth: [] }];
  if (policy === 'admin') return [{ bearerAuth: [] }, { apiKey: [] }];
  // OpenAPI 3.1 lets a non-OAuth requirement name the role it needs: here the key's scope.
  return [{ apiKey: [policy.slice('scope:'.length)] }, { bearerAuth: [] }];
}
