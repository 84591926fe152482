import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';

/*
 * Keys
 *   {sb}:lead-settings   HASH   `recipient_email` (absent = use the RECIPIENT_EMAIL setting),
 *                               `email_notifications_enabled`, `auto_send_on_complete` ('1' | '0'; absent = on).
 *                               No expiry: the operator's choices (001's `settings` table).
 * Atomicity: an update and the read of its result run in one MULTI, so the answer is what was stored.
 */

export interface LeadSettings {
  /** The operator who receives lead emails; null → the caller falls back to config RECIPIENT_EMAIL. */
  recipient_email: string | null;
  email_notifications_enabled: boolean;
  auto_send_on_complete: boolean;
}

const emailShape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function parse(fields: Record<string, string>): LeadSettings {
  const flag = (value: string | undefined) => value !== '0';
  return {
    recipient_email: fields.recipient_email ?? null,
    email_notifications_enabled: flag(fields.email_notifications_enabled),
    auto_send_on_complete: flag(fields.auto_send_on_complete),
  };
}

/** 001's admin settings for the lead bot (`GET/POST /api/admin/settings`). */
export class LeadSettingsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private get key(): string {
    return this.keys.key('lead-settings');
  }

  async get(): Promise<LeadSettings> {
    return parse(await this.redis.hgetall(this.key));
  }

  /** Changes the given settings; `recipient_email: null` goes back to the configured address. */
  async update(patch: Partial<LeadSettings>): Promise<LeadSettings> {
    const transaction = this.redis.multi();
    if (patch.recipient_email === null) transaction.hdel(this.key, 'recipient_email');
    else if (patch.recipient_email !== undefined) {
      const address = patch.recipient_email.trim();
      if (!emailShape.test(address)) throw new TypeError('recipient_email is not an email address');
      transaction.hset(this.key, 'recipient_email', address);
    }
    for (const name of ['email_notifications_enabled', 'auto_send_on_complete'] as const) {
      const value = patch[name];
      if (value !== undefined) transaction.hset(this.key, name, value ? '1' : '0');
    }
    transaction.hgetall(this.key);
    const rows = (await transaction.exec()) ?? [];
    const [, fields] = rows[rows.length - 1] ?? [null, {}];
    return parse(fields as Record<string, string>);
  }
}
