import { DeletedSession, SessionParams } from '@switchboard/contracts/chat-api';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ChatDataStores } from './chat-data-stores.js';
import { sessionNotFound } from './session-read-routes.js';

/**
 * Deletes a session with everything kept for it: its history, its lead
 * state while the lead is incomplete (a completed lead is a business record
 * and stays in the leads list), and its event stream. The session record
 * goes last, so a failure part-way leaves it there to delete again.
 */
export async function deleteSession(
  stores: Pick<ChatDataStores, 'sessions' | 'history' | 'turns' | 'agentWaits' | 'leads' | 'events'>,
  sessionId: string,
): Promise<boolean> {
  if (!(await stores.sessions.exists(sessionId))) return false;
  await Promise.all([
    stores.history.delete(sessionId),
    stores.turns.delete(sessionId),
    stores.agentWaits.delete(sessionId),
    stores.leads.delete(sessionId),
    stores.events.delete(sessionId),
  ]);
  return stores.sessions.delete(sessionId);
}

/** `DELETE /api/sessions/:id` and 000's `DELETE /sessions/:id`. */
export function registerSessionDeleteRoutes(app: HttpServer, stores: ChatDataStores): void {
  for (const url of ['/api/sessions/:id', '/sessions/:id']) {
    app.delete(
      url,
      {
        schema: {
          tags: ['sessions'],
          summary: 'Delete a session with its history, lead state and events',
          description:
            'The next chat on the same id starts with no history. A completed lead stays in the admin leads list.',
          params: SessionParams,
          response: { 200: DeletedSession },
        },
        config: { policy: 'session' },
      },
      async (request) => {
        const { id } = request.params;
        if (!(await deleteSession(stores, id))) throw sessionNotFound(id);
        return { success: true as const, message: `Session ${id} deleted`, session_id: id };
      },
    );
  }
}
