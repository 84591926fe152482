import { randomBytes } from 'node:crypto';
import { redisKeys } from '@switchboard/runtime/redis-keys';
import { TokenCipherError, tokenCipher } from '@switchboard/runtime/token-cipher';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { ChannelConnectionStore } from './channel-connections.js';
import { ChannelPreferenceStore } from './channel-preferences.js';
import { OAuthStateStore } from './oauth-states.js';

describe('channel stores', () => {
  const redisFixture = usePrivateRedis();
  const cipher = tokenCipher(randomBytes(32));

  /** Every value under the prefix, as Redis holds it. */
  async function rawValues(prefix: string): Promise<string> {
    const names = await redisFixture.client.keys(`{${prefix}}:*`);
    return JSON.stringify(await Promise.all(names.map((name) => redisFixture.client.hgetall(name))));
  }

  describe('connections', () => {
    it('keeps tokens encrypted in Redis and gives them back decrypted', async () => {
      const prefix = redisFixture.redis.prefix();
      const connections = new ChannelConnectionStore(redisFixture.client, redisKeys(prefix), cipher);
      const at = new Date('2025-01-02T10:00:00Z');
      await connections.save(
        'alice',
        'gmail',
        {
          access_token: 'ya29.alice-access',
          refresh_token: '1//alice-refresh',
          expires_at: '2025-01-02T11:00:00.000Z',
          scope: 'https://www.googleapis.com/auth/gmail.send',
          extra: { email: 'alice@gmail.example' },
        },
        at,
      );
      const raw = await rawValues(prefix);
      expect(raw).toContain('alice@gmail.example');
      expect(raw).not.toContain('alice-access');
      expect(raw).not.toContain('alice-refresh');
      expect(await connections.get('alice', 'gmail')).toEqual({
        user_id: 'alice',
        channel: 'gmail',
        access_token: 'ya29.alice-access',
        refresh_token: '1//alice-refresh',
        expires_at: '2025-01-02T11:00:00.000Z',
        scope: 'https://www.googleapis.com/auth/gmail.send',
        extra: { email: 'alice@gmail.example' },
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
      });
      expect(await connections.get('alice', 'slack')).toBeNull();
      expect(await connections.get('bob', 'gmail')).toBeNull();
    });

    it('keeps created_at and the refresh token across a refresh, and drops a stale expiry', async () => {
      const connections = new ChannelConnectionStore(
        redisFixture.client,
        redisKeys(redisFixture.redis.prefix()),
        cipher,
      );
      const first = new Date('2025-01-02T10:00:00Z');
      await connections.save(
        'alice',
        'gmail',
        { access_token: 'old', refresh_token: 'refresh', expires_at: first.toISOString(), extra: {} },
        first,
      );
      const later = new Date('2025-01-02T12:00:00Z');
      await connections.save('alice', 'gmail', { access_token: 'new', extra: { email: 'a@x.io' } }, later);
      const connection = await connections.get('alice', 'gmail');
      expect(connection).toMatchObject({
        access_token: 'new',
        refresh_token: 'refresh',
        extra: { email: 'a@x.io' },
        created_at: first.toISOString(),
        updated_at: later.toISOString(),
      });
      expect(connection).not.toHaveProperty('expires_at');
    });

    it('refuses a token copied into another user’s record or field, or read with another key', async () => {
      const prefix = redisFixture.redis.prefix();
      const keys = redisKeys(prefix);
      const connections = new ChannelConnectionStore(redisFixture.client, keys, cipher);
      await connections.save('alice', 'slack', { access_token: 'xoxb-alice', refresh_token: 'r', extra: {} });
      await connections.save('mallory', 'slack', { access_token: 'xoxb-mallory', extra: {} });
      const aliceKey = keys.key('channel-connection', 'alice', 'slack');
      const malloryKey = keys.key('channel-connection', 'mallory', 'slack');
      const [aliceAccess, aliceRefresh] = await redisFixture.client.hmget(
        aliceKey,
        'access_token',
        'refresh_token',
      );

      await redisFixture.client.hset(malloryKey, 'access_token', aliceAccess!);
      await expect(connections.get('mallory', 'slack')).rejects.toThrow(TokenCipherError);
      await redisFixture.client.hset(aliceKey, 'access_token', aliceRefresh!);
      await expect(connections.get('alice', 'slack')).rejects.toThrow(TokenCipherError);
      await redisFixture.client.hset(aliceKey, 'access_token', aliceAccess!);
      expect((await connections.get('alice', 'slack'))?.access_token).toBe('xoxb-alice');
      const otherKey = new ChannelConnectionStore(redisFixture.client, keys, tokenCipher(randomBytes(32)));
      await expect(otherKey.get('alice', 'slack')).rejects.toThrow(TokenCipherError);
    });

    it('deletes one channel of one user', async () => {
      const connections = new ChannelConnectionStore(
        redisFixture.client,
        redisKeys(redisFixture.redis.prefix()),
        cipher,
      );
      await connections.save('alice', 'gmail', { access_token: 'g', extra: {} });
      await connections.save('alice', 'slack', { access_token: 's', extra: {} });
      expect(await connections.delete('alice', 'gmail')).toBe(true);
      expect(await connections.delete('alice', 'gmail')).toBe(false);
      expect(await connections.get('alice', 'gmail')).toBeNull();
      expect((await connections.get('alice', 'slack'))?.access_token).toBe('s');
    });
  });

  describe('preferences', () => {
    it('stores, replaces and reads preferences; null when none or unreadable', async () => {
      const keys = redisKeys(redisFixture.redis.prefix());
      const preferences = new ChannelPreferenceStore(redisFixture.client, keys);
      expect(await preferences.get('alice')).toBeNull();
      await preferences.put('alice', { order: ['slack', 'email'], email: 'a@x.io', slack_user_id: 'U1' });
      await preferences.put('alice', { order: ['webhook'], webhook_url: 'https://hooks.example/a' });
      expect(await preferences.get('alice')).toEqual({
        order: ['webhook'],
        webhook_url: 'https://hooks.example/a',
      });
      await redisFixture.client.set(keys.key('channel-prefs', 'bob'), '{"order":["pigeon"]}');
      expect(await preferences.get('bob')).toBeNull();
      await redisFixture.client.set(keys.key('channel-prefs', 'bob'), 'not json');
      expect(await preferences.get('bob')).toBeNull();
    });

    it('fills in the linked Slack member only where none is set', async () => {
      const preferences = new ChannelPreferenceStore(
        redisFixture.client,
        redisKeys(redisFixture.redis.prefix()),
      );
      const defaults = { order: ['email' as const], email: 'carol@x.io' };
      expect(await preferences.fillSlackUserId('carol', 'UCAROL', defaults)).toEqual({
        ...defaults,
        slack_user_id: 'UCAROL',
      });
      await preferences.put('dave', { order: ['slack'], webhook_url: 'https://hooks.example/d/x' });
      expect(await preferences.fillSlackUserId('dave', 'UDAVE', defaults)).toEqual({
        order: ['slack'],
        webhook_url: 'https://hooks.example/d/x',
        slack_user_id: 'UDAVE',
      });
      expect(await preferences.fillSlackUserId('dave', 'UOTHER', defaults)).toMatchObject({
        slack_user_id: 'UDAVE',
      });
      expect(await preferences.get('dave')).toMatchObject({ slack_user_id: 'UDAVE' });
    });
  });

  describe('OAuth states', () => {
    it('answers a state once, for its own channel, and stores only its digest', async () => {
      const prefix = redisFixture.redis.prefix();
      const states = new OAuthStateStore(redisFixture.client, redisKeys(prefix));
      const state = await states.issue('alice', 'gmail');
      expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await redisFixture.client.keys(`{${prefix}}:*`)).join()).not.toContain(state);
      const [[name]] = [await redisFixture.client.keys(`{${prefix}}:oauth-state:*`)] as [string[]];
      expect(await redisFixture.client.ttl(name!)).toBeGreaterThan(590);

      const [a, b] = await Promise.all([states.consume(state, 'gmail'), states.consume(state, 'gmail')]);
      expect([a, b]).toContainEqual({ userId: 'alice' });
      expect([a, b]).toContainEqual(null);

      const forSlack = await states.issue('alice', 'slack');
      expect(await states.consume(forSlack, 'gmail')).toBeNull();
      expect(await states.consume(forSlack, 'slack')).toBeNull();
      for (const forged of ['', 'x', `${state}x`, '{sb}:*', 'a'.repeat(43)]) {
        expect(await states.consume(forged, 'gmail')).toBeNull();
      }
    });

    it('forgets a state after its time to live', async () => {
      const states = new OAuthStateStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 1);
      const state = await states.issue('alice', 'slack');
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await states.consume(state, 'slack')).toBeNull();
    });
  });
});
