import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { Type } from 'typebox';

const OutboxList = Type.Object({
  directory: Type.String(),
  entries: Type.Array(
    Type.Object({
      file: Type.String({ description: '`<time>-<idempotency key>.eml`' }),
      size: Type.Integer(),
      modified_at: Type.String({ format: 'date-time' }),
    }),
  ),
});

/** The newest `limit` `.eml` files of the outbox, newest first; none before the first one is written. */
async function listEmlFiles(dir: string, limit: number) {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  // Names start with a fixed-width UTC time, so they sort by when they were written.
  const newest = files
    .filter((file) => file.endsWith('.eml'))
    .sort()
    .reverse()
    .slice(0, limit);
  return Promise.all(
    newest.map(async (file) => {
      const info = await stat(join(dir, file));
      return { file, size: info.size, modified_at: info.mtime.toISOString() };
    }),
  );
}

/** `GET /api/admin/outbox`: the emails written to the outbox folder when no mail server is configured. */
export function registerOutboxRoute(app: HttpServer, service: ServiceBase): void {
  const dir = join(service.config.dataDir, 'outbox');
  app.get(
    '/api/admin/outbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'Emails written to the outbox folder (no mail server configured)',
        description:
          'Read from `DATA_DIR/outbox` on the gateway’s machine. The notifications service writes the outbox, so ' +
          'this lists it only where both share `DATA_DIR` (one machine, as `npm start` runs them, or a shared ' +
          'volume); otherwise the outbox lives with the notifications service.',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }),
        response: { 200: OutboxList },
      },
      config: { policy: 'admin' },
    },
    async (request) => ({ directory: dir, entries: await listEmlFiles(dir, request.query.limit ?? 50) }),
  );
}
