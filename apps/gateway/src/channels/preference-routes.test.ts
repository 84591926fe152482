import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChannelsGateway,
  startChannelsGateway,
  type TestUser,
} from './test-fixtures/channels-gateway.js';

const adminKey = 'channels-admin-key-for-tests-0000000';

describe('channel preferences (and connecting while OAuth is not configured)', () => {
  let redis: PrivateRedis;
  let gateway: ChannelsGateway;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startChannelsGateway(redis, { ADMIN_API_KEY: adminKey });
    alice = await gateway.register();
    bob = await gateway.register();
  });
  afterAll(async () => {
    await gateway?.stop();
    await redis.stop();
  });

  const getPreferences = (user: TestUser) =>
    gateway.call({ method: 'GET', url: '/api/channels/preferences' }, user);
  const putPreferences = (user: TestUser, payload: unknown) =>
    gateway.call({ method: 'PUT', url: '/api/channels/preferences', payload: payload as object }, user);

  it('answers email to the account address for a user who saved nothing', async () => {
    const response = await getPreferences(alice);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ order: ['email'], email: alice.email });
  });

  it('saves, replaces and returns preferences, per user', async () => {
    const saved = {
      order: ['slack', 'email', 'webhook'],
      email: 'alice.work@example.com',
      slack_user_id: 'U0ALICE',
      webhook_url: 'https://hooks.example.com/alice',
    };
    const put = await putPreferences(alice, saved);
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual(saved);
    expect((await getPreferences(alice)).json()).toEqual(saved);

    expect((await putPreferences(alice, { order: ['slack'] })).json()).toEqual({ order: ['slack'] });
    expect((await getPreferences(alice)).json()).toEqual({ order: ['slack'] });
    expect((await getPreferences(bob)).json()).toEqual({ order: ['email'], email: bob.email });
  });

  it.each([
    ['a channel twice', { order: ['email', 'slack', 'email'] }],
    ['an unknown channel', { order: ['email', 'pigeon'] }],
    ['no channel', { order: [] }],
    ['no order', { email: 'bob@example.com' }],
    ['a bad email', { order: ['email'], email: 'not an address' }],
    ['a bad Slack id', { order: ['slack'], slack_user_id: 'alice' }],
    ['a webhook URL that is not http(s)', { order: ['webhook'], webhook_url: 'ftp://example.com/x' }],
    ['the webhook channel without a URL', { order: ['email', 'webhook'] }],
  ])('refuses %s with 400 and keeps what was saved', async (_case, body) => {
    await putPreferences(bob, { order: ['email', 'slack'], slack_user_id: 'U0BOB' });
    const response = await putPreferences(bob, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ success: false, code: 'SB_VALIDATION' });
    expect((await getPreferences(bob)).json()).toEqual({ order: ['email', 'slack'], slack_user_id: 'U0BOB' });
  });

  it('needs a logged-in user: 401 without a token, 403 for an API key', async () => {
    const anonymous = await gateway.call({ method: 'GET', url: '/api/channels/preferences' });
    expect(anonymous.statusCode).toBe(401);
    for (const [method, url] of [
      ['GET', '/api/channels/preferences'],
      ['GET', '/api/channels/gmail/connect'],
      ['DELETE', '/api/channels/slack'],
    ] as const) {
      const byKey = await gateway.call({ method, url, headers: { 'x-api-key': adminKey } });
      expect(byKey.statusCode, `${method} ${url}`).toBe(403);
      expect(byKey.json().code).toBe('SB_FORBIDDEN');
    }
  });

  it('answers 503 to connecting Gmail or Slack while it is not configured', async () => {
    for (const [channel, label] of [
      ['gmail', 'Gmail'],
      ['slack', 'Slack'],
    ]) {
      const response = await gateway.call({ method: 'GET', url: `/api/channels/${channel}/connect` }, alice);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ code: 'SB_UNAVAILABLE' });
      expect(response.json().error).toContain(`${label} is not configured`);
    }
  });
});
