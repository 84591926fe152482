import { Readable } from 'node:stream';
import { ExportQuery, SessionExport, SessionParams } from '@switchboard/contracts/chat-api';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { FastifyReply } from 'fastify';
import type { ChatDataStores } from './chat-data-stores.js';
import { exportFileName, jsonExport, jsonlExport } from './session-export.js';
import { sessionNotFound } from './session-read-routes.js';
import { leadDataOf } from './session-views.js';

/**
 * `POST /sessions/:id/export` (000's README path), `POST /api/sessions/:id/export`
 * (its real path) and `GET` on both: the session as a downloaded file,
 * streamed from the history page by page (no temp file).
 */
export function registerSessionExportRoutes(app: HttpServer, stores: ChatDataStores): void {
  const { sessions, history, leads } = stores;
  for (const url of ['/api/sessions/:id/export', '/sessions/:id/export']) {
    app.route({
      method: ['GET', 'POST'],
      url,
      schema: {
        tags: ['sessions'],
        summary: 'Download a session as a JSON file (or JSON Lines)',
        description:
          '`Content-Disposition: attachment; filename="session_<id>_<YYYYMMDD_HHMMSS>.json"`. `messages` are ' +
          "000's exchanges `{timestamp, user, assistant}` (plus `turn_id`); `conversation` is every stored " +
          'message. With `?format=jsonl`: `application/x-ndjson`, a `{"type":"session",…}` line, then one ' +
          '`{"type":"exchange",timestamp,user,assistant,turn_id,conversation}` line per exchange.',
        params: SessionParams,
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The export file.',
            content: {
              'application/json': { schema: SessionExport },
              'application/x-ndjson': { schema: { type: 'string' } },
            },
          },
        },
      },
      config: { policy: 'session' },
      handler: async (request, reply) => {
        const { id } = request.params;
        const record = await sessions.get(id);
        if (!record) throw sessionNotFound(id);
        const [lead, messageCount] = await Promise.all([leads.get(id), history.count(id)]);
        const now = new Date();
        const header = {
          session_id: id,
          created_at: record.created_at,
          assistant: record.assistant,
          data: leadDataOf(lead, false),
          message_count: messageCount,
          exported_at: now.toISOString(),
        };
        const jsonl = request.query.format === 'jsonl';
        const body = Readable.from(jsonl ? jsonlExport(history, header) : jsonExport(history, header));
        // A stream is no body the schema's type describes; Fastify pipes it as it is.
        return (reply as FastifyReply)
          .header(
            'content-type',
            jsonl ? 'application/x-ndjson; charset=utf-8' : 'application/json; charset=utf-8',
          )
          .header(
            'content-disposition',
            `attachment; filename="${exportFileName(id, now, jsonl ? 'jsonl' : 'json')}"`,
          )
          .header('cache-control', 'no-store')
          .send(body);
      },
    });
  }
}
