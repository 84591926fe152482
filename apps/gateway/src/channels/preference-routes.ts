import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import {
  type ChannelPreferenceStore,
  ChannelPreferencesSchema,
  defaultPreferences,
} from '@switchboard/stores/channel-preferences';
import type { UserStore } from '@switchboard/stores/users';
import { callingUserId } from './calling-user.js';

export interface PreferenceRouteDeps {
  users: UserStore;
  preferences: ChannelPreferenceStore;
}

/** `GET/PUT /api/channels/preferences` (003): the order to try channels in, and the addresses to use. */
export function registerPreferenceRoutes(app: HttpServer, { users, preferences }: PreferenceRouteDeps): void {
  app.get(
    '/api/channels/preferences',
    {
      schema: {
        tags: ['channels'],
        summary: 'Your channel order and addresses (email to your account address until you save some)',
        response: { 200: ChannelPreferencesSchema },
      },
      config: { policy: 'user' },
    },
    async (request) => {
      const userId = callingUserId(request);
      const saved = await preferences.get(userId);
      if (saved) return saved;
      const user = await users.get(userId);
      if (!user) throw new AppError('SB_UNAUTHENTICATED', 'The user no longer exists.');
      return defaultPreferences(user.email);
    },
  );

  app.put(
    '/api/channels/preferences',
    {
      schema: {
        tags: ['channels'],
        summary: 'Replace your channel order and addresses',
        body: ChannelPreferencesSchema,
        response: { 200: ChannelPreferencesSchema },
      },
      config: { policy: 'user' },
    },
    async (request) => {
      const userId = callingUserId(request);
      const body = request.body;
      if (body.order.includes('webhook') && body.webhook_url === undefined) {
        throw new AppError('SB_VALIDATION', 'The webhook channel needs a webhook_url to deliver to.');
      }
      await preferences.put(userId, body);
      return body;
    },
  );
}
