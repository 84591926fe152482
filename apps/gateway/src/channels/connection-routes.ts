import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import {
  type ChannelConnectionStore,
  type ConnectionChannel,
  connectionChannels,
} from '@switchboard/stores/channel-connections';
import { type ChannelPreferenceStore, defaultPreferences } from '@switchboard/stores/channel-preferences';
import { type OAuthStateStore, oauthStateTtlS } from '@switchboard/stores/oauth-states';
import type { UserStore } from '@switchboard/stores/users';
import { Type } from 'typebox';
import { callingUserId } from './calling-user.js';
import { connectedPage } from './connected-page.js';
import { type OAuthProvider, providerLabels } from './oauth-providers.js';

export interface ConnectionRouteDeps {
  users: UserStore;
  preferences: ChannelPreferenceStore;
  connections: ChannelConnectionStore;
  states: OAuthStateStore;
  providers: Record<ConnectionChannel, OAuthProvider | null>;
  publicUrl: string;
}

const errorBody = { $ref: 'ErrorBody#' };

const ConnectQuery = Type.Object({
  redirect: Type.Optional(
    Type.Enum(['1', 'true', '0', 'false'], {
      description: 'Answer 302 to the consent page instead of JSON.',
    }),
  ),
});

const ConnectAnswer = Type.Object({
  authorize_url: Type.String({ description: "The provider's consent page; open it in the user's browser." }),
  state: Type.String({
    description: `Single use, valid for ${oauthStateTtlS / 60} minutes; the callback checks it.`,
  }),
});

/** What the provider appends to the redirect URI (plus extras of its own, e.g. Google's `scope`). */
const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
});

/**
 * `GET /api/channels/{gmail,slack}/connect`, `…/callback` and
 * `DELETE /api/channels/{gmail,slack}`: a user links their Gmail mailbox or
 * Slack account with OAuth2, and unlinks it. The callback is open, since a
 * browser coming back from the provider carries no bearer token: the
 * single-use `state` issued to the user at connect is what identifies them.
 */
export function registerConnectionRoutes(app: HttpServer, deps: ConnectionRouteDeps): void {
  const { users, preferences, connections, states, publicUrl } = deps;
  for (const channel of connectionChannels) {
    const label = providerLabels[channel];
    const provider = deps.providers[channel];
    const configured = (): OAuthProvider => {
      if (provider) return provider;
      const prefix = channel.toUpperCase();
      throw new AppError(
        'SB_UNAVAILABLE',
        `${label} is not configured: set ${prefix}_CLIENT_ID, ${prefix}_CLIENT_SECRET and ${prefix}_REDIRECT_URI.`,
      );
    };

    app.get(
      `/api/channels/${channel}/connect`,
      {
        schema: {
          tags: ['channels'],
          summary: `Start connecting your ${label} account: the consent page to open`,
          querystring: ConnectQuery,
          response: {
            200: ConnectAnswer,
            302: { description: 'With `?redirect=1`: to the consent page.', type: 'null' },
            503: { description: `${label} is not configured (\`SB_UNAVAILABLE\`).`, ...errorBody },
          },
        },
        config: { policy: 'user' },
      },
      async (request, reply) => {
        const userId = callingUserId(request);
        const oauth = configured();
        const state = await states.issue(userId, channel);
        const authorizeUrl = oauth.authorizeUrl(state);
        const redirect = request.query.redirect;
        if (redirect === '1' || redirect === 'true') return reply.redirect(authorizeUrl, 302);
        return { authorize_url: authorizeUrl, state };
      },
    );

    app.get(
      `/api/channels/${channel}/callback`,
      {
        schema: {
          tags: ['channels'],
          summary: `Where ${label} sends the browser back: stores the connection (tokens encrypted)`,
          querystring: CallbackQuery,
          response: {
            200: {
              description: `A page saying ${label} is connected.`,
              content: { 'text/html': { schema: { type: 'string' } } },
            },
            502: { description: `${label} failed the token exchange (\`SB_UPSTREAM\`).`, ...errorBody },
            503: { description: `${label} is not configured (\`SB_UNAVAILABLE\`).`, ...errorBody },
            504: { description: `${label} did not answer in time (\`SB_TIMEOUT\`).`, ...errorBody },
          },
        },
        config: { policy: 'open' },
      },
      async (request, reply) => {
        const oauth = configured();
        const { code, state, error } = request.query;
        const started = state === undefined ? null : await states.consume(state, channel);
        if (!started) {
          throw new AppError(
            'SB_VALIDATION',
            `This ${label} sign-in is unknown, expired (after ${oauthStateTtlS / 60} minutes) or already used; connect ${label} again.`,
          );
        }
        const { principal } = request;
        if (principal.kind === 'user' && principal.userId !== started.userId) {
          throw new AppError('SB_VALIDATION', `This ${label} sign-in was started by another user.`);
        }
        if (error !== undefined) {
          throw new AppError('SB_VALIDATION', `${label} access was not granted (${error.slice(0, 64)}).`);
        }
        if (code === undefined) throw new AppError('SB_VALIDATION', `${label} sent no authorization code.`);
        const user = await users.get(started.userId);
        if (!user)
          throw new AppError('SB_VALIDATION', `The user who started this ${label} sign-in no longer exists.`);

        const grant = await oauth.exchange(code);
        await connections.save(user.id, channel, grant);
        const slackUserId = grant.extra.slack_user_id;
        if (slackUserId !== undefined) {
          await preferences.fillSlackUserId(user.id, slackUserId, defaultPreferences(user.email));
        }
        request.log.info({ channel, userId: user.id }, 'channel connected');
        return reply
          .type('text/html; charset=utf-8')
          .send(connectedPage(label, `${publicUrl}/?${channel}_connected=true`));
      },
    );

    app.delete(
      `/api/channels/${channel}`,
      {
        schema: {
          tags: ['channels'],
          summary: `Disconnect your ${label} account (its tokens are deleted)`,
          response: {
            204: { description: 'Disconnected.', type: 'null' },
            404: { description: `${label} was not connected (\`SB_NOT_FOUND\`).`, ...errorBody },
          },
        },
        config: { policy: 'user' },
      },
      async (request, reply) => {
        const userId = callingUserId(request);
        if (!(await connections.delete(userId, channel))) {
          throw new AppError('SB_NOT_FOUND', `${label} is not connected.`);
        }
        return reply.status(204).send(null);
      },
    );
  }
}
