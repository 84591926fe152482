import fastifyJwt from '@fastify/jwt';
import { AppError, isAppError } from '@switchboard/runtime/app-error';
import { loadOrCreateSecret } from '@switchboard/runtime/local-secrets';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ApiKeyStore } from '@switchboard/stores/api-keys';
import { RefreshTokenStore } from '@switchboard/stores/refresh-tokens';
import type { SessionStore } from '@switchboard/stores/sessions';
import { UserStore } from '@switchboard/stores/users';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { registerApiKeyRoutes } from './api-key-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import { CredentialAuthenticator } from './authenticator.js';
import { credentialOf } from './credentials.js';
import { LoginThrottle } from './login-throttle.js';
import { type Authenticator, anonymous, type SessionTokenIssuer } from './principal.js';
import { TokenService } from './tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    authenticator: Authenticator;
    sessionTokens: SessionTokenIssuer;
  }
  interface FastifyRequest {
    /** Why a presented credential was refused; raised only if the route needs one. */
    credentialError: AppError | null;
  }
}

const refreshLifetimeMs = 7 * 24 * 3_600_000;

/**
 * Users, tokens and API keys: resolves `request.principal` for every request
 * (HTTP and WebSocket upgrades alike) and serves `/api/auth/*` and
 * `/api/admin/api-keys`. Enforcement is the policy plugin's job.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, { service, sessions }: { service: ServiceBase; sessions: SessionStore }) => {
    const { config, redis, keys } = service;
    const secret = config.auth.jwtSecret ?? (await loadOrCreateSecret(config.dataDir, 'jwt-secret'));
    await app.register(fastifyJwt, {
      secret,
      sign: { algorithm: 'HS256' },
      verify: { algorithms: ['HS256'] },
    });

    const tokens = new TokenService(app.jwt);
    const users = new UserStore(redis, keys);
    const refreshTokens = new RefreshTokenStore(redis, keys, refreshLifetimeMs);
    const apiKeys = new ApiKeyStore(redis, keys);
    const authenticator = new CredentialAuthenticator({
      tokens,
      users,
      refreshTokens,
      apiKeys,
      sessions,
      bootstrapAdminKey: config.auth.adminApiKey,
    });
    app.decorate('authenticator', authenticator);
    app.decorate('sessionTokens', { issue: async (session) => tokens.signSession(session) });
    app.decorateRequest('principal', null as unknown as never);
    app.decorateRequest('credentialError', null);

    app.addHook('onRequest', async (request) => {
      request.principal = anonymous;
      const credential = credentialOf(request);
      if (credential === undefined) return;
      try {
        request.principal = await authenticator.authenticate(credential);
      } catch (error) {
        // Refused (401), or sound but naming a session that is gone (404): the route decides what that means.
        if (isAppError(error) && (error.code === 'SB_UNAUTHENTICATED' || error.code === 'SB_NOT_FOUND')) {
          request.credentialError = error;
          return;
        }
        request.log.warn({ err: error }, 'could not check a credential');
        throw new AppError('SB_UNAVAILABLE', 'Credentials cannot be checked right now; try again shortly.');
      }
    });

    registerAuthRoutes(app, {
      users,
      tokens,
      refreshTokens,
      throttle: new LoginThrottle(redis, keys, {
        maxFailures: config.auth.loginMaxFailures,
        blockMs: config.auth.loginBlockS * 1000,
      }),
      adminEmail: config.auth.adminEmail,
    });
    registerApiKeyRoutes(app, apiKeys);
  },
  { name: 'switchboard-auth', fastify: '5.x' },
);
