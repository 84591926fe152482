import { AppError } from '@switchboard/runtime/app-error';
import { type ApiKeyStore, secretsEqual } from '@switchboard/stores/api-keys';
import type { RefreshTokenStore } from '@switchboard/stores/refresh-tokens';
import type { SessionStore } from '@switchboard/stores/sessions';
import type { UserStore } from '@switchboard/stores/users';
import { type ApiKeyScope, type Authenticator, apiKeyScopes, type Principal } from './principal.js';
import type { TokenService } from './tokens.js';

type KnownPrincipal = Exclude<Principal, { kind: 'anonymous' }>;

const refused = (why: string) => new AppError('SB_UNAUTHENTICATED', why);

/**
 * Resolves a credential to a principal, checking it against live state each
 * time: a deleted user, a logged-out refresh family, a revoked API key or a
 * deleted session stops working at once, not when a token expires. Roles
 * come from the user record, so a change of role applies immediately.
 */
export class CredentialAuthenticator implements Authenticator {
  constructor(
    private readonly deps: {
      tokens: TokenService;
      users: UserStore;
      refreshTokens: RefreshTokenStore;
      apiKeys: ApiKeyStore;
      sessions: SessionStore;
      bootstrapAdminKey: string | undefined;
    },
  ) {}

  async authenticate(credential: string): Promise<KnownPrincipal> {
    const { deps } = this;
    if (credential.startsWith('sbr_')) throw refused('A refresh token cannot be used as an access token.');
    if (credential.startsWith('sbk_') || deps.bootstrapAdminKey !== undefined) {
      if (deps.bootstrapAdminKey !== undefined && secretsEqual(credential, deps.bootstrapAdminKey)) {
        return { kind: 'api_key', keyId: 'bootstrap', scopes: apiKeyScopes, bootstrap: true };
      }
      if (credential.startsWith('sbk_')) {
        const key = await deps.apiKeys.verify(credential);
        if (!key) throw refused('The API key is not valid.');
        return { kind: 'api_key', keyId: key.id, scopes: key.scopes as ApiKeyScope[], bootstrap: false };
      }
    }
    const claims = deps.tokens.verify(credential);
    if (claims.typ === 'session') {
      const session = await deps.sessions.get(claims.sid);
      // The token is sound but what it opens is gone: 001's clients expect "not found" for an expired session.
      if (!session) {
        throw new AppError('SB_NOT_FOUND', `Session ${claims.sid} not found: it expired or was deleted.`);
      }
      // A caller-chosen id can be used again after its session ended; the old session's tokens must not open the new one.
      if (!secretsEqual(claims.non, session.token_nonce)) {
        throw refused('This token belongs to an earlier session with the same id.');
      }
      return { kind: 'session', sessionId: claims.sid };
    }
    const [user, familyLive] = await Promise.all([
      deps.users.get(claims.sub),
      deps.refreshTokens.isLive(claims.fam),
    ]);
    if (!user) throw refused('The user of this token no longer exists.');
    if (!familyLive) throw refused('This login has ended; log in again.');
    return { kind: 'user', userId: user.id, role: user.role, username: user.username, family: claims.fam };
  }
}
