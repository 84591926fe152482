import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { SessionStore } from '@switchboard/stores/sessions';
import { registerAdminDashboardRoute } from './admin-dashboard-route.js';
import { registerAssistantInfoRoutes } from './assistant-info-routes.js';
import { openChatDataStores } from './chat-data-stores.js';
import { registerLeadAdminRoutes } from './lead-admin-routes.js';
import { registerLeadSettingsRoutes } from './lead-settings-routes.js';
import { registerSessionDeleteRoutes } from './session-delete-routes.js';
import { registerSessionExportRoutes } from './session-export-routes.js';
import { registerSessionLogRoutes } from './session-log-routes.js';
import { registerSessionReadRoutes } from './session-read-routes.js';

/**
 * The routes over what the chat service stores: sessions (list, read,
 * delete, export, 002's start/stop and log), greetings, LLM info and usage,
 * and the lead bot's admin calls. They read stores directly (DESIGN: reads
 * never go through a queue); only the log file line is a job.
 */
export function registerChatDataRoutes(app: HttpServer, service: ServiceBase, sessions: SessionStore): void {
  const stores = openChatDataStores(service, sessions);
  registerSessionReadRoutes(app, stores);
  registerSessionDeleteRoutes(app, stores);
  registerSessionExportRoutes(app, stores);
  registerSessionLogRoutes(app, service, stores);
  registerAssistantInfoRoutes(app, stores);
  registerLeadAdminRoutes(app, stores);
  registerAdminDashboardRoute(app, service, stores);
  registerLeadSettingsRoutes(app, stores, service.config.recipientEmail);
}
