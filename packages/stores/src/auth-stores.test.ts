import { redisKeys } from '@switchboard/runtime/redis-keys';
import { usePrivateRedis } from '@switchboard/testkit/redis-fixture';
import { describe, expect, it } from 'vitest';
import { ApiKeyStore, secretsEqual } from './api-keys.js';
import { RefreshTokenStore } from './refresh-tokens.js';
import { SessionStore } from './sessions.js';
import { UserStore } from './users.js';

/** The secret part of `sbk_<id>_<secret>` (the secret may itself contain `_`). */
const secretOf = (key: string) => key.slice('sbk_'.length + 32 + 1);

describe('auth stores', () => {
  const redisFixture = usePrivateRedis();

  it('makes exactly one admin out of many concurrent first registrations, and no duplicate names', async () => {
    const users = new UserStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        users.register({ email: `u${i % 10}@example.com`, username: `User${i % 10}`, passwordHash: 'h' }),
      ),
    );
    const created = outcomes.filter((outcome) => outcome.ok);
    expect(created).toHaveLength(10);
    expect(created.filter((outcome) => outcome.ok && outcome.user.role === 'admin')).toHaveLength(1);
    expect(await users.findByLogin('USER3')).toMatchObject({ username: 'User3' });
    expect(await users.findByLogin('U3@EXAMPLE.COM')).toMatchObject({ email: 'u3@example.com' });
  });

  it('makes ADMIN_EMAIL the admin and nobody else, and frees names on delete', async () => {
    const users = new UserStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()));
    const first = await users.register(
      { email: 'first@example.com', username: 'first', passwordHash: 'h' },
      'boss@example.com',
    );
    expect(first.ok && first.user.role).toBe('user');
    const boss = await users.register(
      { email: 'Boss@Example.com', username: 'boss', passwordHash: 'h' },
      'boss@example.com',
    );
    expect(boss.ok && boss.user.role).toBe('admin');
    if (!boss.ok) throw new Error('unreachable');
    expect(await users.delete(boss.user.id)).toBe(true);
    expect(await users.findByLogin('boss')).toBeNull();
    expect(
      (await users.register({ email: 'boss@example.com', username: 'boss', passwordHash: 'h' })).ok,
    ).toBe(true);
  });

  it('lets exactly one of two concurrent rotations of a refresh token win; the other revokes the family', async () => {
    const tokens = new RefreshTokenStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 60_000);
    const { token, family } = await tokens.issue('user-1');
    const [a, b] = await Promise.all([tokens.rotate(token), tokens.rotate(token)]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((outcome) => !outcome.ok)).toMatchObject({ reason: 'reused' });
    expect(await tokens.isLive(family)).toBe(false);
    const winner = [a, b].find((outcome) => outcome.ok);
    if (!winner?.ok) throw new Error('unreachable');
    expect(await tokens.rotate(winner.token)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(await tokens.rotate('sbr_unknown')).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('stores only a hash of refresh tokens and API key secrets', async () => {
    const prefix = redisFixture.redis.prefix();
    const tokens = new RefreshTokenStore(redisFixture.client, redisKeys(prefix), 60_000);
    const { token } = await tokens.issue('user-2');
    const apiKeys = new ApiKeyStore(redisFixture.client, redisKeys(prefix));
    const { key } = await apiKeys.create({ name: 'k', scopes: ['read'], createdBy: 'test' });
    const dump = JSON.stringify(
      await Promise.all(
        (await redisFixture.client.keys(`{${prefix}}:*`)).map(async (name) => [
          name,
          await redisFixture.client.dump(name),
        ]),
      ),
    );
    expect(dump).not.toContain(token.slice(4));
    expect(dump).not.toContain(secretOf(key));
    expect(await apiKeys.verify(key)).toMatchObject({ scopes: ['read'] });
    expect(await apiKeys.verify(`${key.slice(0, -1)}x`)).toBeNull();
  });

  it('compares secrets of any length in constant time', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });

  it('creates a caller-named session once, counts active ones and forgets deleted ones', async () => {
    const sessions = new SessionStore(redisFixture.client, redisKeys(redisFixture.redis.prefix()), 60);
    expect(await sessions.create({ assistant: 'dispatch', id: 'user123' })).toMatchObject({ id: 'user123' });
    expect(await sessions.create({ assistant: 'dispatch', id: 'user123' })).toBeNull();
    await sessions.create({ assistant: 'lead' });
    expect(await sessions.countActive()).toBe(2);
    expect(await sessions.delete('user123')).toBe(true);
    expect(await sessions.exists('user123')).toBe(false);
    expect(await sessions.countActive()).toBe(1);
    await expect(sessions.create({ assistant: 'lead', id: 'bad id' })).rejects.toThrow(TypeError);
  });
});
