import { createHash, randomBytes } from 'node:crypto';
import type { RedisKeys } from '@switchboard/runtime/redis-keys';
import type { Redis } from 'ioredis';
import type { ConnectionChannel } from './channel-connections.js';

/*
 * The OAuth2 `state` of a connect flow: who started it, for which provider. It travels through the
 * provider and back to the open callback, where it is the only proof of who is connecting.
 * Keys
 *   {sb}:oauth-state:<sha256 of state>   STRING  JSON {user_id, channel}; EX = 10 minutes
 * Stored by digest, so reading Redis does not yield a usable state.
 * Atomicity: `consume` is one GETDEL, so a state works once even when two callbacks race.
 */

export const oauthStateTtlS = 600;

const stateShape = /^[A-Za-z0-9_-]{43}$/;
const digest = (state: string) => createHash('sha256').update(state).digest('hex');

export class OAuthStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlS = oauthStateTtlS,
  ) {}

  /** A fresh, unguessable state for the user's connect flow. */
  async issue(userId: string, channel: ConnectionChannel): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    await this.redis.set(
      this.keys.key('oauth-state', digest(state)),
      JSON.stringify({ user_id: userId, channel }),
      'EX',
      this.ttlS,
    );
    return state;
  }

  /**
   * The user who started the flow, if `state` is one we issued for this
   * channel, unexpired and unused. Any presented state is spent, matching or not.
   */
  async consume(state: string, channel: ConnectionChannel): Promise<{ userId: string } | null> {
    if (!stateShape.test(state)) return null;
    const value = await this.redis.getdel(this.keys.key('oauth-state', digest(state)));
    if (value === null) return null;
    const issued = JSON.parse(value) as { user_id: string; channel: ConnectionChannel };
    return issued.channel === channel ? { userId: issued.user_id } : null;
  }
}
