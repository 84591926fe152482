import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LoginBody, MeBody, RefreshBody, RegisterBody, TokenPair } from '@switchboard/contracts/auth';
import { AppError } from '@switchboard/runtime/app-error';
import type { RefreshTokenStore } from '@switchboard/stores/refresh-tokens';
import type { UserRecord, UserStore } from '@switchboard/stores/users';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { LoginThrottle } from './login-throttle.js';
import { checkPasswordPolicy, hashPassword, passwordMatches } from './passwords.js';
import { bearerChallenge } from './principal.js';
import { accessTokenTtlS, type TokenService } from './tokens.js';

export interface AuthRouteDeps {
  users: UserStore;
  tokens: TokenService;
  refreshTokens: RefreshTokenStore;
  throttle: LoginThrottle;
  adminEmail: string | undefined;
}

/** 003's `/api/auth/*`, with rotation, reuse detection, logout and throttling added. */
export function registerAuthRoutes(fastify: FastifyInstance, deps: AuthRouteDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { users, tokens, refreshTokens, throttle } = deps;

  function pairFor(user: UserRecord, refresh: { token: string; family: string }) {
    return {
      access_token: tokens.signAccess({ sub: user.id, role: user.role, fam: refresh.family }),
      refresh_token: refresh.token,
      token_type: 'bearer' as const,
      expires_in: accessTokenTtlS,
    };
  }

  app.post(
    '/api/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a user (the first one, or ADMIN_EMAIL, becomes admin)',
        body: RegisterBody,
        response: { 201: TokenPair },
      },
      config: { policy: 'open' },
    },
    async (request, reply) => {
      checkPasswordPolicy(request.body.password);
      const outcome = await users.register(
        {
          email: request.body.email,
          username: request.body.username,
          passwordHash: await hashPassword(request.body.password),
        },
        deps.adminEmail,
      );
      if (!outcome.ok) throw new AppError('SB_CONFLICT', `That ${outcome.taken} is already registered.`);
      return reply.status(201).send(pairFor(outcome.user, await refreshTokens.issue(outcome.user.id)));
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with username or email (form-encoded as the original, or JSON)',
        body: LoginBody,
        response: { 200: TokenPair },
      },
      config: { policy: 'open' },
    },
    async (request) => {
      const { username: login, password } = request.body;
      await throttle.begin(login, request.ip);
      const user = await users.findByLogin(login);
      if (!(await passwordMatches(password, user?.password_hash)) || !user) {
        throw new AppError('SB_UNAUTHENTICATED', 'Incorrect username or password.', undefined, {
          headers: bearerChallenge,
        });
      }
      await throttle.succeeded(login, request.ip);
      return pairFor(user, await refreshTokens.issue(user.id));
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: MeBody } },
      config: { policy: 'user' },
    },
    async (request) => {
      const principal = request.principal;
      const user = principal.kind === 'user' ? await users.get(principal.userId) : null;
      if (!user)
        throw new AppError('SB_UNAUTHENTICATED', 'The user no longer exists.', undefined, {
          headers: bearerChallenge,
        });
      return {
        id: user.id,
        email: user.email,
        username: user.username,
        role: user.role,
        created_at: user.created_at,
        is_active: true,
      };
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Exchange a refresh token for a new pair (the old one dies; reusing it ends the whole login)',
        body: RefreshBody,
        response: { 200: TokenPair },
      },
      config: { policy: 'open' },
    },
    async (request) => {
      const outcome = await refreshTokens.rotate(request.body.refresh_token);
      if (!outcome.ok) {
        if (outcome.reason === 'reused') {
          throw new AppError(
            'SB_UNAUTHENTICATED',
            'refresh_token_reused: this refresh token was already used, so every token of its login has been revoked.',
            { reason: 'refresh_token_reused' },
          );
        }
        throw new AppError('SB_UNAUTHENTICATED', 'The refresh token is not valid.', {
          reason: outcome.reason,
        });
      }
      const user = await users.get(outcome.userId);
      if (!user) {
        await refreshTokens.revokeFamily(outcome.family);
        throw new AppError('SB_UNAUTHENTICATED', 'The user no longer exists.');
      }
      return pairFor(user, { token: outcome.token, family: outcome.family });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End this login: its refresh and access tokens stop working',
        response: { 204: Type.Null() },
      },
      config: { policy: 'user' },
    },
    async (request, reply) => {
      if (request.principal.kind === 'user') await refreshTokens.revokeFamily(request.principal.family);
      return reply.status(204).send(null);
    },
  );
}
