import { Readable } from 'node:stream';
import { LeadList, LeadListQuery, type LeadRow } from '@switchboard/contracts/chat-api';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { LeadState, LeadStore } from '@switchboard/stores/leads';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ChatDataStores } from './chat-data-stores.js';
import { csvHeader, csvLine } from './leads-csv.js';

/** Leads read from Redis per step of a CSV download. */
const csvPageSize = 500;

function leadRow(lead: LeadState): LeadRow {
  return {
    session_id: lead.session_id,
    name: lead.name ?? null,
    email: lead.email ?? null,
    income: lead.income?.raw ?? null,
    income_bucket: lead.income?.bucket ?? null,
    completed_at: lead.completed_at ?? null,
    created_at: lead.created_at,
  };
}

async function* csvDocument(leads: LeadStore): AsyncGenerator<string> {
  yield csvHeader;
  for (let offset = 0; ; offset += csvPageSize) {
    const page = await leads.list({ offset, limit: csvPageSize });
    if (page.length > 0) yield page.map((lead) => csvLine(leadRow(lead))).join('');
    if (page.length < csvPageSize) return;
  }
}

/**
 * `GET /api/admin/leads` (001's captured leads): completed leads, newest
 * first. The operator needs the addresses, so they are not masked here
 * (the route is admin-only); `?format=csv` downloads every one.
 */
export function registerLeadAdminRoutes(app: HttpServer, stores: ChatDataStores): void {
  const { leads } = stores;
  app.get(
    '/api/admin/leads',
    {
      schema: {
        tags: ['admin'],
        summary: 'Completed leads, newest first; `?format=csv` downloads them all',
        description:
          'CSV values are quoted as RFC 4180 says, and a value that starts with `=`, `+`, `-`, `@`, tab or ' +
          "carriage return gets a leading `'` so a spreadsheet does not run it as a formula.",
        querystring: LeadListQuery,
        response: {
          200: {
            description: 'The leads as JSON, or every lead as CSV with a header row.',
            content: {
              'application/json': { schema: LeadList },
              'text/csv': { schema: Type.String() },
            },
          },
        },
      },
      config: { policy: 'admin' },
    },
    async (request, reply) => {
      const { limit = 50, skip = 0, format = 'json' } = request.query;
      if (format === 'csv') {
        const stamp = new Date().toISOString().slice(0, 10);
        // A stream is no body the schema's type describes; Fastify pipes it as it is.
        return (reply as FastifyReply)
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="leads_${stamp}.csv"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(csvDocument(leads)));
      }
      const [page, total] = await Promise.all([leads.list({ offset: skip, limit }), leads.countCompleted()]);
      return reply.send({ leads: page.map(leadRow), total, limit, skip });
    },
  );
}
