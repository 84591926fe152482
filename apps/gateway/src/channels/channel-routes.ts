import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { createTokenCipher } from '@switchboard/runtime/token-cipher';
import { ChannelConnectionStore } from '@switchboard/stores/channel-connections';
import { ChannelPreferenceStore } from '@switchboard/stores/channel-preferences';
import { OAuthStateStore } from '@switchboard/stores/oauth-states';
import { UserStore } from '@switchboard/stores/users';
import { registerConnectionRoutes } from './connection-routes.js';
import { oauthEndpoints } from './oauth-endpoints.js';
import { oauthProviders } from './oauth-providers.js';
import { registerPreferenceRoutes } from './preference-routes.js';

/** A user's channel preferences and their Gmail and Slack connections. */
export async function registerChannelRoutes(app: HttpServer, service: ServiceBase): Promise<void> {
  const { redis, keys, config } = service;
  const users = new UserStore(redis, keys);
  const preferences = new ChannelPreferenceStore(redis, keys);
  registerPreferenceRoutes(app, { users, preferences });
  registerConnectionRoutes(app, {
    users,
    preferences,
    connections: new ChannelConnectionStore(redis, keys, await createTokenCipher(config)),
    states: new OAuthStateStore(redis, keys),
    providers: oauthProviders(config, oauthEndpoints(config)),
    publicUrl: config.publicUrl,
  });
}
