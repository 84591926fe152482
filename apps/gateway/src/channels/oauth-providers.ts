import { AppError } from '@switchboard/runtime/app-error';
import type { Config } from '@switchboard/runtime/config';
import type { ConnectionChannel, ConnectionGrant } from '@switchboard/stores/channel-connections';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { OAuthEndpoints } from './oauth-endpoints.js';
import { callProvider, providerErrorCode, unusableAnswer } from './provider-call.js';

/** One provider's side of the connect flow. */
export interface OAuthProvider {
  /** The provider's consent page for this flow. */
  authorizeUrl(state: string): string;
  /**
   * Trades the code from the callback for a grant. A code the provider
   * refuses (expired, used, forged) is 400; a provider that fails is 502/504.
   */
  exchange(code: string): Promise<ConnectionGrant>;
}

export const providerLabels: Record<ConnectionChannel, string> = { gmail: 'Gmail', slack: 'Slack' };

/** B7: send, read and label mail, and learn the mailbox's address. */
export const gmailScopes = [
  'https://www.googleapis.com/auth/gmail.send',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/userinfo.email',
];

/** Bot scopes: post to the user's DM and look members up by id or email. */
export const slackScopes = ['chat:write', 'users:read', 'users:read.email', 'im:write'];

const GoogleTokens = Compile(
  Type.Object({
    access_token: Type.String({ minLength: 1 }),
    refresh_token: Type.Optional(Type.String({ minLength: 1 })),
    expires_in: Type.Optional(Type.Number({ minimum: 0 })),
    scope: Type.Optional(Type.String()),
  }),
);
const GmailProfile = Compile(Type.Object({ emailAddress: Type.String({ minLength: 3, maxLength: 254 }) }));
const SlackAccess = Compile(
  Type.Object({
    ok: Type.Literal(true),
    access_token: Type.String({ minLength: 1 }),
    refresh_token: Type.Optional(Type.String({ minLength: 1 })),
    expires_in: Type.Optional(Type.Number({ minimum: 0 })),
    scope: Type.Optional(Type.String()),
    bot_user_id: Type.Optional(Type.String()),
    team: Type.Optional(Type.Object({ id: Type.String() })),
    authed_user: Type.Object({ id: Type.String({ pattern: '^[A-Z0-9]{2,32}$' }) }),
  }),
);

/** Slack's answers for a code that is no good (as opposed to our own client settings being wrong). */
const refusedSlackCodes = new Set(['invalid_code', 'code_already_used', 'code_expired']);

const formPost = (form: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(form).toString(),
});

function withQuery(base: string, query: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

const expiresAt = (expiresInS: number | undefined, now = Date.now()) =>
  expiresInS === undefined ? undefined : new Date(now + expiresInS * 1000).toISOString();

const refusedCode = (label: string) =>
  new AppError(
    'SB_VALIDATION',
    `${label} refused the authorization code (it expired or was already used); connect ${label} again.`,
  );

function gmailProvider(
  { clientId, clientSecret, redirectUri }: Config['gmail'],
  endpoints: OAuthEndpoints['gmail'],
  timeoutMs: number,
): OAuthProvider | null {
  if (!clientId || !clientSecret || !redirectUri) return null;
  return {
    authorizeUrl: (state) =>
      withQuery(endpoints.authorize, {
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: gmailScopes.join(' '),
        // A refresh token, every time: without `prompt=consent` Google sends one only on the first consent.
        access_type: 'offline',
        prompt: 'consent',
        state,
      }),
    async exchange(code) {
      const answer = await callProvider(
        'Google',
        endpoints.token,
        formPost({
          code,
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uri: redirectUri,
          grant_type: 'authorization_code',
        }),
        timeoutMs,
      );
      if (answer.status === 400 && providerErrorCode(answer.body) === 'invalid_grant')
        throw refusedCode('Gmail');
      if (answer.status !== 200 || !GoogleTokens.Check(answer.body)) {
        throw unusableAnswer('Google', 'the token exchange', answer);
      }
      const tokens = answer.body;
      // Google's consent screen lets the user untick scopes; without them every send or read would fail later.
      const missing = gmailScopes.filter((scope) => !(tokens.scope ?? '').split(' ').includes(scope));
      if (missing.length > 0) {
        throw new AppError(
          'SB_VALIDATION',
          `Gmail was connected without ${missing.map((scope) => scope.split('/').pop()).join(', ')}; connect Gmail again and allow every permission asked for.`,
        );
      }
      const profile = await callProvider(
        'Gmail',
        endpoints.profile,
        { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } },
        timeoutMs,
      );
      if (profile.status !== 200 || !GmailProfile.Check(profile.body)) {
        throw unusableAnswer('Gmail', 'the profile request', profile);
      }
      return {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: expiresAt(tokens.expires_in),
        scope: tokens.scope,
        extra: { email: profile.body.emailAddress.toLowerCase() },
      };
    },
  };
}

function slackProvider(
  { clientId, clientSecret, redirectUri }: Config['slack'],
  endpoints: OAuthEndpoints['slack'],
  timeoutMs: number,
): OAuthProvider | null {
  if (!clientId || !clientSecret || !redirectUri) return null;
  return {
    authorizeUrl: (state) =>
      withQuery(endpoints.authorize, {
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: slackScopes.join(','),
        state,
      }),
    async exchange(code) {
      const answer = await callProvider(
        'Slack',
        endpoints.token,
        formPost({ code, client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri }),
        timeoutMs,
      );
      // Slack answers 200 with `ok:false` for a refused exchange.
      const error = providerErrorCode(answer.body);
      if (answer.status === 200 && error !== undefined && refusedSlackCodes.has(error))
        throw refusedCode('Slack');
      if (answer.status !== 200 || !SlackAccess.Check(answer.body)) {
        throw unusableAnswer('Slack', 'oauth.v2.access', answer);
      }
      const access = answer.body;
      return {
        access_token: access.access_token,
        refresh_token: access.refresh_token,
        expires_at: expiresAt(access.expires_in),
        scope: access.scope,
        extra: {
          team_id: access.team?.id,
          bot_user_id: access.bot_user_id,
          slack_user_id: access.authed_user.id,
        },
      };
    },
  };
}

/** Each provider, or null where its client id, secret or redirect URI is not configured. */
export function oauthProviders(
  config: Pick<Config, 'gmail' | 'slack' | 'httpTimeoutMs'>,
  endpoints: OAuthEndpoints,
): Record<ConnectionChannel, OAuthProvider | null> {
  return {
    gmail: gmailProvider(config.gmail, endpoints.gmail, config.httpTimeoutMs),
    slack: slackProvider(config.slack, endpoints.slack, config.httpTimeoutMs),
  };
}
