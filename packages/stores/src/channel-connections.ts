import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { TokenCipher } from '@switchboard/runtime/token-cipher';
import type { Redis } from 'ioredis';

/*
 * Keys
 *   {sb}:channel-connection:<userId>:<channel>   HASH  access_token, refresh_token (each encrypted with the
 *                                                      TokenCipher, bound to user, channel and field),
 *                                                      expires_at, scope, extra (JSON), created_at, updated_at;
 *                                                      no TTL (a refresh token outlives its access token)
 * Atomicity: `save` is one MULTI, so a reader never sees the new access token beside the old fields.
 * Tokens are encrypted before they leave this process and decrypted on `get`; nothing else sees them.
 */

/** The outside accounts a user connects with OAuth2 (SPEC: Human feedback and channels). */
export const connectionChannels = ['gmail', 'slack'] as const;
export type ConnectionChannel = (typeof connectionChannels)[number];

/** What the provider told us about the account: Gmail's address; Slack's workspace, bot and member. */
export interface ConnectionExtra {
  email?: string;
  team_id?: string;
  bot_user_id?: string;
  slack_user_id?: string;
}

/** A grant as the provider answered it. */
export interface ConnectionGrant {
  access_token: string;
  refresh_token?: string;
  /** ISO time the access token stops working. */
  expires_at?: string;
  scope?: string;
  extra: ConnectionExtra;
}

export interface ChannelConnection extends ConnectionGrant {
  user_id: string;
  channel: ConnectionChannel;
  created_at: string;
  updated_at: string;
}

type TokenField = 'access_token' | 'refresh_token';

export class ChannelConnectionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly cipher: TokenCipher,
  ) {}

  private key(userId: string, channel: ConnectionChannel): string {
    return this.keys.key('channel-connection', userId, channel);
  }

  /** Binds an encrypted token to its record and field, so it cannot be replayed anywhere else. */
  private purpose(userId: string, channel: ConnectionChannel, field: TokenField): string {
    return `connection:${userId}:${channel}:${field}`;
  }

  /**
   * Stores a new grant for the user's channel (connecting, reconnecting, or
   * refreshing the access token). `created_at` survives, and so does the
   * stored refresh token when the grant carries none: a refresh answer from
   * Google omits it, and the old one keeps working.
   */
  async save(
    userId: string,
    channel: ConnectionChannel,
    grant: ConnectionGrant,
    now = new Date(),
  ): Promise<void> {
    const key = this.key(userId, channel);
    const fields: Record<string, string> = {
      access_token: this.cipher.encrypt(grant.access_token, this.purpose(userId, channel, 'access_token')),
      extra: JSON.stringify(grant.extra),
      updated_at: now.toISOString(),
    };
    if (grant.refresh_token !== undefined) {
      fields.refresh_token = this.cipher.encrypt(
        grant.refresh_token,
        this.purpose(userId, channel, 'refresh_token'),
      );
    }
    // A new grant without an expiry or scope must not inherit the old one's.
    const stale: string[] = [];
    for (const field of ['expires_at', 'scope'] as const) {
      const value = grant[field];
      if (value === undefined) stale.push(field);
      else fields[field] = value;
    }
    const transaction = this.redis.multi();
    if (stale.length > 0) transaction.hdel(key, ...stale);
    await transaction.hset(key, fields).hsetnx(key, 'created_at', now.toISOString()).exec();
  }

  /**
   * The connection with its tokens decrypted, or null when there is none.
   * Throws TokenCipherError when a token cannot be decrypted (ENCRYPTION_KEY
   * changed, or the value was tampered with): the user must connect again.
   */
  async get(userId: string, channel: ConnectionChannel): Promise<ChannelConnection | null> {
    const stored: Partial<Record<string, string>> = await this.redis.hgetall(this.key(userId, channel));
    if (stored.access_token === undefined) return null;
    // `save` writes every field below in one MULTI, so a hash with an access token has them all.
    const connection: ChannelConnection = {
      user_id: userId,
      channel,
      access_token: this.cipher.decrypt(stored.access_token, this.purpose(userId, channel, 'access_token')),
      extra: JSON.parse(stored.extra!) as ConnectionExtra,
      created_at: stored.created_at!,
      updated_at: stored.updated_at!,
    };
    if (stored.refresh_token !== undefined) {
      connection.refresh_token = this.cipher.decrypt(
        stored.refresh_token,
        this.purpose(userId, channel, 'refresh_token'),
      );
    }
    if (stored.expires_at !== undefined) connection.expires_at = stored.expires_at;
    if (stored.scope !== undefined) connection.scope = stored.scope;
    return connection;
  }

  /** Forgets the connection; false when there was none. */
  async delete(userId: string, channel: ConnectionChannel): Promise<boolean> {
    return (await this.redis.del(this.key(userId, channel))) === 1;
  }
}
