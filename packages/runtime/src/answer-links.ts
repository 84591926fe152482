import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Config } from './config.js';
import { loadOrCreateSecret } from './local-secrets.js';

export type LinkCheck = { ok: true; requestId: string; expired: boolean } | { ok: false };

/** 16 bytes of request id, 4 of expiry (unix seconds), 16 of HMAC: 48 base64url characters. */
const tokenShape = /^[A-Za-z0-9_-]{48}$/;
const macLength = 16;

/**
 * The key that signs answer links. Derived from JWT_SECRET when it is set
 * (every gateway instance shares it, so a link works whichever one serves
 * it, and a leaked link key reveals nothing about the token key); otherwise
 * a secret of its own generated under DATA_DIR.
 */
export async function answerLinkKey(config: Pick<Config, 'auth' | 'dataDir'>): Promise<Buffer> {
  const base = config.auth.jwtSecret ?? (await loadOrCreateSecret(config.dataDir, 'link-secret'));
  return Buffer.from(hkdfSync('sha256', base, '', 'switchboard feedback answer links', 32));
}

/**
 * The one-click answer links in emails (`/f/<token>`, SPEC §4 "Email link"):
 * the request id and its expiry, signed with HMAC-SHA256 (truncated to 128
 * bits), packed into 48 characters so the link stays short and fits a path
 * parameter. The link only names the request; single use comes from the
 * request itself, which takes one answer.
 */
export class AnswerLinks {
  constructor(
    private readonly key: Buffer,
    private readonly publicUrl: string,
  ) {}

  url(requestId: string, expiresAt: Date): string {
    const claims = Buffer.alloc(20);
    Buffer.from(requestId.replaceAll('-', ''), 'hex').copy(claims, 0);
    claims.writeUInt32BE(Math.ceil(expiresAt.getTime() / 1000), 16);
    return `${this.publicUrl}/f/${Buffer.concat([claims, this.sign(claims)]).toString('base64url')}`;
  }

  /** Checks the signature in constant time; `expired` once the request's expiry has passed. */
  check(token: string, now = new Date()): LinkCheck {
    if (!tokenShape.test(token)) return { ok: false };
    const bytes = Buffer.from(token, 'base64url');
    const claims = bytes.subarray(0, 20);
    if (!timingSafeEqual(this.sign(claims), bytes.subarray(20))) return { ok: false };
    const hex = claims.subarray(0, 16).toString('hex');
    const requestId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { ok: true, requestId, expired: now.getTime() >= claims.readUInt32BE(16) * 1000 };
  }

  private sign(claims: Buffer): Buffer {
    return createHmac('sha256', this.key).update(claims).digest().subarray(0, macLength);
  }
}
