import { LeadSettingsPatch, LeadSettingsView } from '@switchboard/contracts/chat-api';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { LeadSettings } from '@switchboard/stores/lead-settings';
import type { ChatDataStores } from './chat-data-stores.js';

/**
 * `GET/POST /api/admin/settings` (001): who gets the lead emails and whether
 * they are sent. An unset recipient falls back to RECIPIENT_EMAIL.
 */
export function registerLeadSettingsRoutes(
  app: HttpServer,
  stores: ChatDataStores,
  configuredRecipient: string | undefined,
): void {
  const { leadSettings } = stores;
  const view = (settings: LeadSettings) => {
    const recipient = settings.recipient_email ?? configuredRecipient ?? null;
    return {
      recipient_email: recipient,
      email_notifications_enabled: settings.email_notifications_enabled,
      auto_send_on_complete: settings.auto_send_on_complete,
      is_configured: recipient?.includes('@') ?? false,
    };
  };

  app.get(
    '/api/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: "The lead bot's operator email and notification switches",
        response: { 200: LeadSettingsView },
      },
      config: { policy: 'admin' },
    },
    async () => view(await leadSettings.get()),
  );

  app.post(
    '/api/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change any of the lead bot settings',
        description: '`recipient_email: null` clears the override, so RECIPIENT_EMAIL applies again.',
        body: LeadSettingsPatch,
        response: { 200: LeadSettingsView },
      },
      config: { policy: 'admin' },
    },
    async (request) => view(await leadSettings.update(request.body)),
  );
}
