import { createHash, randomBytes } from 'node:crypto';
import { tokenCipher } from '@switchboard/runtime/token-cipher';
import { ChannelConnectionStore } from '@switchboard/stores/channel-connections';
import {
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from '@switchboard/testkit/fake-http-server';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OAuthEndpoints } from './oauth-endpoints.js';
import { gmailScopes, slackScopes } from './oauth-providers.js';
import {
  type ChannelsGateway,
  startChannelsGateway,
  type TestUser,
} from './test-fixtures/channels-gateway.js';

// Google's token and Gmail API endpoints are not settings, so this module is
// swapped to send them to the fake; the consent page stays Google's.
const fakeGoogle = vi.hoisted(() => ({ url: '' }));
vi.mock('./oauth-endpoints.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./oauth-endpoints.js')>();
  return {
    oauthEndpoints: (config: Parameters<typeof original.oauthEndpoints>[0]): OAuthEndpoints => {
      const real = original.oauthEndpoints(config);
      return {
        ...real,
        gmail: {
          ...real.gmail,
          token: `${fakeGoogle.url}/token`,
          profile: `${fakeGoogle.url}/gmail/v1/users/me/profile`,
        },
      };
    },
  };
});

const encryptionKey = randomBytes(32);
const gmailTokens = { access: 'ya29.fake-gmail-access-token', refresh: '1//fake-gmail-refresh-token' };
const slackToken = 'xoxb-fake-slack-bot-token';
const gmailEnv = {
  GMAIL_CLIENT_ID: 'gmail-client-id.apps.googleusercontent.com',
  GMAIL_CLIENT_SECRET: 'gmail-client-secret',
  GMAIL_REDIRECT_URI: 'https://switchboard.example.com/api/channels/gmail/callback',
};
const slackEnv = {
  SLACK_CLIENT_ID: '1234.5678',
  SLACK_CLIENT_SECRET: 'slack-client-secret',
  SLACK_REDIRECT_URI: 'https://switchboard.example.com/api/channels/slack/callback',
};

describe('connecting Gmail and Slack with OAuth2', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let fake: FakeHttpServer;
  let gateway: ChannelsGateway;
  let connections: ChannelConnectionStore;

  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
    fake = await startFakeHttpServer();
    fakeGoogle.url = fake.url;
    gateway = await startChannelsGateway(redis, {
      ...gmailEnv,
      ...slackEnv,
      SLACK_API_URL: `${fake.url}/slack-api/`,
      ENCRYPTION_KEY: encryptionKey.toString('hex'),
      PUBLIC_URL: 'https://switchboard.example.com',
      HTTP_TIMEOUT_MS: '500',
    });
    connections = new ChannelConnectionStore(client, gateway.service.keys, tokenCipher(encryptionKey));
  });
  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
    await redis.stop();
  });

  beforeEach(() => {
    fake.requests.length = 0;
    fake.on('POST', '/token', (request) =>
      new URLSearchParams(request.body).get('code') === 'good-code'
        ? {
            body: {
              access_token: gmailTokens.access,
              refresh_token: gmailTokens.refresh,
              expires_in: 3599,
              scope: gmailScopes.join(' '),
              token_type: 'Bearer',
            },
          }
        : { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } },
    );
    fake.on('GET', '/gmail/v1/users/me/profile', (request) =>
      request.headers.authorization === `Bearer ${gmailTokens.access}`
        ? { body: { emailAddress: 'Alice.Mailbox@gmail.example', messagesTotal: 1 } }
        : { status: 401, body: { error: { code: 401 } } },
    );
    fake.on('POST', '/slack-api/oauth.v2.access', (request) =>
      new URLSearchParams(request.body).get('code') === 'good-code'
        ? {
            body: {
              ok: true,
              access_token: slackToken,
              token_type: 'bot',
              scope: slackScopes.join(','),
              bot_user_id: 'U0BOT',
              app_id: 'A0APP',
              team: { id: 'T0TEAM', name: 'Team' },
              authed_user: { id: 'U0ALICE' },
            },
          }
        : { body: { ok: false, error: 'invalid_code' } },
    );
  });

  async function connect(channel: 'gmail' | 'slack', user: TestUser) {
    const response = await gateway.call({ method: 'GET', url: `/api/channels/${channel}/connect` }, user);
    expect(response.statusCode).toBe(200);
    return response.json<{ authorize_url: string; state: string }>();
  }

  const callback = (channel: 'gmail' | 'slack', query: Record<string, string>, user?: TestUser) =>
    gateway.call(
      { method: 'GET', url: `/api/channels/${channel}/callback?${new URLSearchParams(query)}` },
      user,
    );

  const form = (request: RecordedRequest) => Object.fromEntries(new URLSearchParams(request.body));

  it('sends the user to Google’s consent page with the Gmail scopes, offline access and the state', async () => {
    const user = await gateway.register();
    const { authorize_url, state } = await connect('gmail', user);
    const url = new URL(authorize_url);
    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: gmailEnv.GMAIL_CLIENT_ID,
      redirect_uri: gmailEnv.GMAIL_REDIRECT_URI,
      response_type: 'code',
      scope: [
        'https://www.googleapis.com/auth/gmail.send',
        'https://www.googleapis.com/auth/gmail.readonly',
        'https://www.googleapis.com/auth/gmail.modify',
        'https://www.googleapis.com/auth/userinfo.email',
      ].join(' '),
      access_type: 'offline',
      prompt: 'consent',
      state,
    });
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const redirected = await gateway.call(
      { method: 'GET', url: '/api/channels/gmail/connect?redirect=1' },
      user,
    );
    expect(redirected.statusCode).toBe(302);
    const location = new URL(String(redirected.headers.location));
    expect(location.hostname).toBe('accounts.google.com');
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).not.toBe(state);
  });

  it('sends the user to Slack’s consent page with the bot scopes and the state', async () => {
    const user = await gateway.register();
    const { authorize_url, state } = await connect('slack', user);
    const url = new URL(authorize_url);
    expect(`${url.origin}${url.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: slackEnv.SLACK_CLIENT_ID,
      redirect_uri: slackEnv.SLACK_REDIRECT_URI,
      scope: 'chat:write,users:read,users:read.email,im:write',
      state,
    });
  });

  it('stores the Gmail connection encrypted, and never shows or logs the tokens', async () => {
    const user = await gateway.register();
    const { state } = await connect('gmail', user);
    const response = await callback('gmail', { code: 'good-code', state, scope: gmailScopes.join(' ') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('Gmail connected');
    expect(response.body).toContain('https://switchboard.example.com/?gmail_connected=true');

    const [exchange, profile] = fake.requests;
    expect(exchange?.path).toBe('/token');
    expect(form(exchange!)).toEqual({
      code: 'good-code',
      client_id: gmailEnv.GMAIL_CLIENT_ID,
      client_secret: gmailEnv.GMAIL_CLIENT_SECRET,
      redirect_uri: gmailEnv.GMAIL_REDIRECT_URI,
      grant_type: 'authorization_code',
    });
    expect(profile?.headers.authorization).toBe(`Bearer ${gmailTokens.access}`);

    const logs = gateway.logs.join('');
    expect(logs).toContain('channel connected');
    const key = gateway.service.keys.key('channel-connection', user.id, 'gmail');
    const raw = JSON.stringify(await client.hgetall(key));
    expect(raw).toContain('alice.mailbox@gmail.example');
    for (const token of Object.values(gmailTokens)) {
      expect(raw).not.toContain(token);
      expect(response.body).not.toContain(token);
      expect(logs).not.toContain(token);
    }
    const connection = await connections.get(user.id, 'gmail');
    expect(connection).toMatchObject({
      access_token: gmailTokens.access,
      refresh_token: gmailTokens.refresh,
      scope: gmailScopes.join(' '),
      extra: { email: 'alice.mailbox@gmail.example' },
    });
    const expiresInS = (Date.parse(connection!.expires_at!) - Date.now()) / 1000;
    expect(expiresInS).toBeGreaterThan(3500);
    expect(expiresInS).toBeLessThanOrEqual(3600);
  });

  it('stores the Slack connection and links the Slack member in the user’s preferences', async () => {
    const user = await gateway.register();
    const { state } = await connect('slack', user);
    const response = await callback('slack', { code: 'good-code', state });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Slack connected');
    expect(form(fake.requests[0]!)).toEqual({
      code: 'good-code',
      client_id: slackEnv.SLACK_CLIENT_ID,
      client_secret: slackEnv.SLACK_CLIENT_SECRET,
      redirect_uri: slackEnv.SLACK_REDIRECT_URI,
    });
    expect(
      JSON.stringify(await client.hgetall(gateway.service.keys.key('channel-connection', user.id, 'slack'))),
    ).not.toContain(slackToken);
    expect(await connections.get(user.id, 'slack')).toMatchObject({
      access_token: slackToken,
      extra: { team_id: 'T0TEAM', bot_user_id: 'U0BOT', slack_user_id: 'U0ALICE' },
    });
    const preferences = await gateway.call({ method: 'GET', url: '/api/channels/preferences' }, user);
    expect(preferences.json()).toEqual({ order: ['email'], email: user.email, slack_user_id: 'U0ALICE' });

    // A Slack id the user chose is kept when they connect again.
    await gateway.call(
      {
        method: 'PUT',
        url: '/api/channels/preferences',
        payload: { order: ['slack'], slack_user_id: 'U0OWN' },
      },
      user,
    );
    const again = await connect('slack', user);
    expect((await callback('slack', { code: 'good-code', state: again.state })).statusCode).toBe(200);
    expect((await gateway.call({ method: 'GET', url: '/api/channels/preferences' }, user)).json()).toEqual({
      order: ['slack'],
      slack_user_id: 'U0OWN',
    });
  });

  it('refuses a reused, forged, expired or other-provider state with 400, without calling the provider', async () => {
    const user = await gateway.register();
    const used = await connect('gmail', user);
    expect((await callback('gmail', { code: 'good-code', state: used.state })).statusCode).toBe(200);
    fake.requests.length = 0;

    const expired = await connect('gmail', user);
    const stateKey = gateway.service.keys.key(
      'oauth-state',
      createHash('sha256').update(expired.state).digest('hex'),
    );
    expect(await client.ttl(stateKey)).toBeGreaterThan(590);
    await client.pexpire(stateKey, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const forSlack = await connect('slack', user);

    const refused: Record<string, string>[] = [
      { code: 'good-code', state: used.state },
      { code: 'good-code', state: randomBytes(32).toString('base64url') },
      { code: 'good-code', state: '{sb}:*' },
      { code: 'good-code' },
      { code: 'good-code', state: expired.state },
      { code: 'good-code', state: forSlack.state },
    ];
    for (const query of refused) {
      const response = await callback('gmail', query);
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json()).toMatchObject({ success: false, code: 'SB_VALIDATION' });
    }
    expect(fake.requests).toEqual([]);
  });

  it('connects the user who started the flow, never the one presenting the callback', async () => {
    const alice = await gateway.register();
    const bob = await gateway.register();
    const started = await connect('gmail', alice);
    const asBob = await callback('gmail', { code: 'good-code', state: started.state }, bob);
    expect(asBob.statusCode).toBe(400);
    expect(await connections.get(bob.id, 'gmail')).toBeNull();
    expect(await connections.get(alice.id, 'gmail')).toBeNull();

    const restarted = await connect('gmail', alice);
    expect((await callback('gmail', { code: 'good-code', state: restarted.state })).statusCode).toBe(200);
    expect(await connections.get(alice.id, 'gmail')).not.toBeNull();
    expect(await connections.get(bob.id, 'gmail')).toBeNull();
  });

  it('answers 400 when the user declines, narrows the scopes or the code is refused; 502/504 when the provider fails', async () => {
    const user = await gateway.register();
    const declined = await callback('gmail', {
      error: 'access_denied',
      state: (await connect('gmail', user)).state,
    });
    expect(declined.statusCode).toBe(400);
    expect(declined.json().error).toContain('access_denied');

    const refusedGoogle = await callback('gmail', {
      code: 'stale',
      state: (await connect('gmail', user)).state,
    });
    expect(refusedGoogle.statusCode).toBe(400);
    fake.on('POST', '/token', () => ({
      body: { access_token: gmailTokens.access, scope: gmailScopes.slice(0, 2).join(' ') },
    }));
    const narrowed = await callback('gmail', {
      code: 'good-code',
      state: (await connect('gmail', user)).state,
    });
    expect(narrowed.statusCode).toBe(400);
    expect(narrowed.json().error).toContain('gmail.modify, userinfo.email');
    const refusedSlack = await callback('slack', {
      code: 'stale',
      state: (await connect('slack', user)).state,
    });
    expect(refusedSlack.statusCode).toBe(400);

    fake.on('POST', '/token', () => ({ status: 500, body: { error: 'internal_failure' } }));
    const failing = await callback('gmail', {
      code: 'good-code',
      state: (await connect('gmail', user)).state,
    });
    expect(failing.statusCode).toBe(502);
    expect(failing.json()).toMatchObject({ code: 'SB_UPSTREAM' });
    expect(failing.json().error).toContain('500');

    fake.on('POST', '/token', () => ({ delayMs: 1_000, body: {} }));
    const slow = await callback('gmail', { code: 'good-code', state: (await connect('gmail', user)).state });
    expect(slow.statusCode).toBe(504);
    expect(slow.json()).toMatchObject({ code: 'SB_TIMEOUT' });

    fake.on('POST', '/slack-api/oauth.v2.access', () => ({
      body: { ok: false, error: 'bad_client_secret' },
    }));
    const misconfigured = await callback('slack', {
      code: 'good-code',
      state: (await connect('slack', user)).state,
    });
    expect(misconfigured.statusCode).toBe(502);
    expect(await connections.get(user.id, 'gmail')).toBeNull();
    expect(await connections.get(user.id, 'slack')).toBeNull();
  });

  it('disconnects: the tokens are deleted, and a second time is 404', async () => {
    const user = await gateway.register();
    const { state } = await connect('slack', user);
    expect((await callback('slack', { code: 'good-code', state })).statusCode).toBe(200);
    const removed = await gateway.call({ method: 'DELETE', url: '/api/channels/slack' }, user);
    expect(removed.statusCode).toBe(204);
    expect(await client.exists(gateway.service.keys.key('channel-connection', user.id, 'slack'))).toBe(0);
    const again = await gateway.call({ method: 'DELETE', url: '/api/channels/slack' }, user);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'SB_NOT_FOUND' });
    expect((await gateway.call({ method: 'DELETE', url: '/api/channels/slack' })).statusCode).toBe(401);
  });
});
