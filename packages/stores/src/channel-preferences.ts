import { ChannelNameSchema } from '@switchboard/contracts/notifications';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/*
 * Keys
 *   {sb}:channel-prefs:<userId>   STRING  JSON ChannelPreferences; no TTL (kept for the user's lifetime)
 * Atomicity: `fillSlackUserId` reads, fills and writes in one Lua script, so linking Slack never
 * overwrites a preference saved at the same moment.
 */

/** A user's channels in the order to try them, and where each one reaches them (SPEC §4). */
export const ChannelPreferencesSchema = Type.Object(
  {
    order: Type.Array(ChannelNameSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    slack_user_id: Type.Optional(
      Type.String({ pattern: '^[A-Z0-9]{2,32}$', description: 'Slack member id (U…, W…).' }),
    ),
    webhook_url: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
  },
  {
    additionalProperties: false,
    examples: [{ order: ['slack', 'email'], email: 'alice@example.com', slack_user_id: 'U0ALICE' }],
  },
);
export type ChannelPreferences = Static<typeof ChannelPreferencesSchema>;

/** What a user who saved nothing gets: email, to the address they registered with. */
export const defaultPreferences = (email: string): ChannelPreferences => ({ order: ['email'], email });

const preferencesValidator = Compile(ChannelPreferencesSchema);

const fillSlackUserIdScript = `
local current = redis.call('GET', KEYS[1])
local prefs = cjson.decode(current or ARGV[2])
if prefs.slack_user_id == nil or prefs.slack_user_id == '' then
  prefs.slack_user_id = ARGV[1]
  redis.call('SET', KEYS[1], cjson.encode(prefs))
end
return cjson.encode(prefs)
`;

export class ChannelPreferenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(userId: string): string {
    return this.keys.key('channel-prefs', userId);
  }

  /** The saved preferences, or null when the user saved none (or the value is unreadable). */
  async get(userId: string): Promise<ChannelPreferences | null> {
    return this.parse(await this.redis.get(this.key(userId)));
  }

  /** Replaces the user's preferences; the caller has checked them against ChannelPreferencesSchema. */
  async put(userId: string, preferences: ChannelPreferences): Promise<void> {
    await this.redis.set(this.key(userId), JSON.stringify(preferences));
  }

  /**
   * Records the Slack member the user linked, unless they already named one.
   * A user with no saved preferences gets `defaults` plus that id. Returns the
   * preferences as they now stand.
   */
  async fillSlackUserId(
    userId: string,
    slackUserId: string,
    defaults: ChannelPreferences,
  ): Promise<ChannelPreferences | null> {
    const stored = (await this.redis.eval(
      fillSlackUserIdScript,
      1,
      this.key(userId),
      slackUserId,
      JSON.stringify(defaults),
    )) as string;
    return this.parse(stored);
  }

  private parse(value: string | null): ChannelPreferences | null {
    if (value === null) return null;
    try {
      const parsed: unknown = JSON.parse(value);
      return preferencesValidator.Check(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
}
