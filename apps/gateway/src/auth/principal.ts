/** The scopes an API key can hold (SPEC: Users and keys). */
export const apiKeyScopes = ['callbacks', 'ops', 'notify', 'read'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export type Role = 'admin' | 'user';

/**
 * Who is calling, as resolved once per request (HTTP or WebSocket upgrade)
 * from its credential. Route code reads `request.principal`; it never parses
 * credentials itself.
 */
export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      role: Role;
      username: string /** the login (refresh family) */;
      family: string;
    }
  | { kind: 'api_key'; keyId: string; scopes: readonly ApiKeyScope[]; bootstrap: boolean }
  | { kind: 'session'; sessionId: string };

export const anonymous: Principal = { kind: 'anonymous' };

/** The challenge every 401 carries, as OAuth2 bearer clients expect. */
export const bearerChallenge = { 'www-authenticate': 'Bearer' };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Turns any bearer credential into a principal; throws AppError SB_UNAUTHENTICATED when it is not valid. */
export interface Authenticator {
  authenticate(credential: string): Promise<Exclude<Principal, { kind: 'anonymous' }>>;
}

/** Issues the token that gives an anonymous caller rights to the one session it created. */
export interface SessionTokenIssuer {
  issue(session: { id: string; token_nonce: string }): Promise<string>;
}

export function isAdmin(principal: Principal): boolean {
  return (
    (principal.kind === 'user' && principal.role === 'admin') ||
    (principal.kind === 'api_key' && principal.bootstrap)
  );
}
