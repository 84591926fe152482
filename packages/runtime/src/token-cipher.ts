import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import { loadOrCreateSecret } from './local-secrets.js';

/**
 * Encrypts secrets kept at rest (OAuth tokens) with AES-256-GCM. Every value
 * gets its own random 12-byte IV, and is bound to its purpose by associated
 * data (e.g. `connection:<userId>:gmail:access_token`): a value copied
 * into another record, or another field, fails to decrypt instead of lending
 * someone else's token.
 */
export interface TokenCipher {
  encrypt(plaintext: string, associatedData: string): string;
  /** Throws TokenCipherError when the value was altered, encrypted for another purpose or with another key. */
  decrypt(encrypted: string, associatedData: string): string;
}

/** A value that cannot be decrypted; the message never carries the value itself. */
export class TokenCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenCipherError';
  }
}

/** The format's version comes first, so a later key or algorithm can be told apart and migrated. */
const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;
const keyBytes = 32;
const segment = /^[A-Za-z0-9_-]*$/;

/** ENCRYPTION_KEY as the config accepts it (64 hex digits or base64), or a generated secret (base64url). */
export function parseEncryptionKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== keyBytes) {
    throw new TypeError(`an encryption key must be ${keyBytes} bytes, got ${key.length}`);
  }
  return key;
}

export function tokenCipher(key: Buffer): TokenCipher {
  if (key.length !== keyBytes) throw new TypeError(`an encryption key must be ${keyBytes} bytes`);
  return {
    encrypt(plaintext, associatedData) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [version, iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join(':');
    },
    decrypt(encrypted, associatedData) {
      const parts = encrypted.split(':');
      if (parts.length !== 4 || parts[0] !== version || !parts.every((part) => segment.test(part))) {
        throw new TokenCipherError(`not a ${version} encrypted value`);
      }
      const [iv, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url')) as [
        Buffer,
        Buffer,
        Buffer,
      ];
      if (iv.length !== ivBytes || tag.length !== tagBytes)
        throw new TokenCipherError('malformed encrypted value');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new TokenCipherError(
          'the value was altered, belongs to another record, or was encrypted with another ENCRYPTION_KEY',
        );
      }
    },
  };
}

/**
 * The cipher for this deployment: ENCRYPTION_KEY when set, else a key
 * generated once under DATA_DIR (shared by every service using that
 * directory, like the JWT secret). Services that do not share DATA_DIR must
 * be given one ENCRYPTION_KEY, or they cannot read each other's tokens.
 */
export async function createTokenCipher(config: Pick<Config, 'auth' | 'dataDir'>): Promise<TokenCipher> {
  const key =
    config.auth.encryptionKey ?? (await loadOrCreateSecret(config.dataDir, 'encryption-key', keyBytes));
  return tokenCipher(parseEncryptionKey(key));
}
