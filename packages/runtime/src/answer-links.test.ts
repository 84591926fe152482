import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnswerLinks, answerLinkKey } from './answer-links.js';

describe('AnswerLinks', () => {
  const links = new AnswerLinks(randomBytes(32), 'https://switchboard.example');
  const id = randomUUID();
  const expiresAt = new Date('2030-01-01T00:00:00Z');
  const token = links.url(id, expiresAt).replace('https://switchboard.example/f/', '');

  it('names the request until its expiry, then says it has expired', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(links.check(token, new Date('2029-12-31T23:59:59Z'))).toEqual({
      ok: true,
      requestId: id,
      expired: false,
    });
    expect(links.check(token, expiresAt)).toEqual({ ok: true, requestId: id, expired: true });
  });

  it('refuses a link changed anywhere, or signed with another key', () => {
    for (let i = 0; i < token.length; i++) {
      const changed = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
      expect(links.check(changed), changed).toEqual({ ok: false });
    }
    expect(new AnswerLinks(randomBytes(32), 'https://x').check(token)).toEqual({ ok: false });
    for (const junk of ['', 'a', `${token}A`, `${token.slice(0, 47)}=`])
      expect(links.check(junk)).toEqual({ ok: false });
  });

  it('derives the same key from the same JWT secret, and a different one from another', async () => {
    const config = (jwtSecret: string) => ({
      auth: { jwtSecret, loginMaxFailures: 5, loginBlockS: 60 },
      dataDir: '/nonexistent',
    });
    const [a, b, c] = await Promise.all([
      answerLinkKey(config('one-secret-that-is-long-enough-0123456789')),
      answerLinkKey(config('one-secret-that-is-long-enough-0123456789')),
      answerLinkKey(config('another-secret-long-enough-0123456789abc')),
    ]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.equals(Buffer.from('one-secret-that-is-long-enough-0123456789'))).toBe(false);
  });
});
