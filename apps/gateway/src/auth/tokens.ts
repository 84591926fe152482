import { randomUUID } from 'node:crypto';
import type { JWT } from '@fastify/jwt';
import { AppError } from '@switchboard/runtime/app-error';

/** SPEC: access tokens live 25 minutes. */
export const accessTokenTtlS = 25 * 60;

export interface AccessClaims {
  typ: 'access';
  sub: string;
  role: 'admin' | 'user';
  jti: string;
  /** The refresh family this token came from: logging out revokes both. */
  fam: string;
}

export interface SessionClaims {
  typ: 'session';
  sid: string;
  /** The session's `token_nonce`: the token is valid for that very session only. */
  non: string;
  jti: string;
}

/**
 * Signs and checks Switchboard's JWTs. HS256 only, on both sides: a token
 * with `alg: none`, an RS/ES algorithm (algorithm confusion), a bad
 * signature, a wrong `typ` or missing claims is refused. 30 s of clock skew
 * is tolerated.
 */
export class TokenService {
  constructor(private readonly jwt: JWT) {}

  signAccess(claims: Omit<AccessClaims, 'typ' | 'jti'>): string {
    return this.jwt.sign(
      { ...claims, typ: 'access', jti: randomUUID() },
      { expiresIn: accessTokenTtlS * 1000 },
    );
  }

  signSession(session: { id: string; token_nonce: string }): string {
    return this.jwt.sign({ typ: 'session', sid: session.id, non: session.token_nonce, jti: randomUUID() });
  }

  verify(token: string): AccessClaims | SessionClaims {
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify(token, {
        algorithms: ['HS256'],
        clockTolerance: 30_000,
        requiredClaims: ['typ', 'jti', 'iat'],
      });
    } catch (error) {
      const expired = (error as { code?: string }).code === 'FAST_JWT_EXPIRED';
      throw new AppError(
        'SB_UNAUTHENTICATED',
        expired ? 'The token has expired.' : 'The token is not valid.',
      );
    }
    if (
      claims.typ === 'access' &&
      typeof claims.sub === 'string' &&
      typeof claims.fam === 'string' &&
      typeof claims.exp === 'number' &&
      (claims.role === 'admin' || claims.role === 'user')
    ) {
      return claims as unknown as AccessClaims;
    }
    if (claims.typ === 'session' && typeof claims.sid === 'string' && typeof claims.non === 'string') {
      return claims as unknown as SessionClaims;
    }
    throw new AppError('SB_UNAUTHENTICATED', 'The token is not an access or session token.');
  }
}
