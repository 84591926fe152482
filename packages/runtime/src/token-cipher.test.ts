import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenCipher, parseEncryptionKey, TokenCipherError, tokenCipher } from './token-cipher.js';

const purpose = 'connection:user-1:gmail:access_token';

describe('token cipher', () => {
  const cipher = tokenCipher(randomBytes(32));
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('round-trips, with a fresh IV each time and no trace of the plaintext', () => {
    const token = 'ya29.a0AfH6SMB-secret-token-ünïcode';
    const first = cipher.encrypt(token, purpose);
    const second = cipher.encrypt(token, purpose);
    expect(first).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
    expect(second).not.toBe(first);
    expect(first).not.toContain('secret');
    expect(cipher.decrypt(first, purpose)).toBe(token);
    expect(cipher.decrypt(second, purpose)).toBe(token);
    expect(cipher.decrypt(cipher.encrypt('', purpose), purpose)).toBe('');
  });

  it('refuses a value with any part altered', () => {
    const encrypted = cipher.encrypt('xoxb-bot-token', purpose);
    const parts = encrypted.split(':');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join(':');
      expect(() => cipher.decrypt(tampered, purpose)).toThrow(TokenCipherError);
    }
    for (const broken of [
      '',
      'plain-token',
      `v2:${parts.slice(1).join(':')}`,
      `${encrypted}:x`,
      'v1:a:b:c',
    ]) {
      expect(() => cipher.decrypt(broken, purpose)).toThrow(TokenCipherError);
    }
  });

  it('refuses a value moved to another record or field, or read with another key', () => {
    const encrypted = cipher.encrypt('xoxb-bot-token', purpose);
    expect(() => cipher.decrypt(encrypted, 'connection:user-2:gmail:access_token')).toThrow(TokenCipherError);
    expect(() => cipher.decrypt(encrypted, 'connection:user-1:gmail:refresh_token')).toThrow(
      TokenCipherError,
    );
    expect(() => tokenCipher(randomBytes(32)).decrypt(encrypted, purpose)).toThrow(TokenCipherError);
  });

  it('takes ENCRYPTION_KEY as 64 hex digits or base64, and refuses other lengths', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });

  it('uses the configured key when set, else generates one once under DATA_DIR', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sb-cipher-'));
    dirs.push(dataDir);
    const key = randomBytes(32);
    const configured = await createTokenCipher({
      dataDir,
      auth: { encryptionKey: key.toString('hex'), loginMaxFailures: 5, loginBlockS: 60 },
    });
    expect(tokenCipher(key).decrypt(configured.encrypt('t', purpose), purpose)).toBe('t');

    const auth = { loginMaxFailures: 5, loginBlockS: 60 };
    const [a, b] = await Promise.all([
      createTokenCipher({ dataDir, auth }),
      createTokenCipher({ dataDir, auth }),
    ]);
    const generated = parseEncryptionKey(await readFile(join(dataDir, 'secrets', 'encryption-key'), 'utf8'));
    expect(generated).not.toEqual(key);
    expect(b.decrypt(a.encrypt('t', purpose), purpose)).toBe('t');
    const later = await createTokenCipher({ dataDir, auth });
    expect(tokenCipher(generated).decrypt(later.encrypt('t', purpose), purpose)).toBe('t');
  });
});
