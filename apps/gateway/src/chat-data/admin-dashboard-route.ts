import { AdminDashboard, DashboardQuery } from '@switchboard/contracts/chat-api';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { ServiceRegistry } from '@switchboard/stores/service-registry';
import type { ChatDataStores } from './chat-data-stores.js';
import { dataCollectedOf, leadDataOf, sessionFacts, statusOf } from './session-views.js';

/**
 * How many of the most recent live sessions the message count reads (one
 * pipelined length each): enough for a dashboard, bounded whatever the traffic.
 */
const sampleSize = 500;
const samplePage = 100;

/** Message counts of the most recent live sessions. */
async function sampledMessageCounts(stores: ChatDataStores): Promise<number[]> {
  const counts: number[] = [];
  for (let offset = 0; offset < sampleSize; offset += samplePage) {
    const { sessions } = await stores.sessions.list({ offset, limit: samplePage });
    counts.push(...(await stores.history.counts(sessions.map((record) => record.id))));
    if (sessions.length < samplePage) break;
  }
  return counts;
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/**
 * `GET /api/admin/dashboard` (001 A9): counts, health and a page of recent
 * sessions (no transcripts, emails masked). Sessions live in Redis only
 * until their idle TTL and serve every assistant, so the lead figures come
 * from the lead counters, which are all-time and count lead sessions only;
 * the live sessions are counted apart. Each field's description says how
 * it is taken.
 */
export function registerAdminDashboardRoute(
  app: HttpServer,
  service: ServiceBase,
  stores: ChatDataStores,
): void {
  const registry = new ServiceRegistry(service.redis, service.keys, service.config.heartbeatTtlS * 1000);
  app.get(
    '/api/admin/dashboard',
    {
      schema: {
        tags: ['admin'],
        summary: 'Lead bot statistics, system health and recent sessions (001)',
        querystring: DashboardQuery,
        response: { 200: AdminDashboard },
      },
      config: { policy: 'admin' },
    },
    async (request) => {
      const { limit = 10, skip = 0 } = request.query;
      const [active, leads, sample, recent, live, storage, cards] = await Promise.all([
        stores.sessions.countActive(),
        stores.leads.stats(),
        sampledMessageCounts(stores),
        stores.sessions.list({ offset: skip, limit }),
        registry.liveByService(),
        service.checkRedis(),
        stores.catalog.cards(),
      ]);
      const recentFacts = await Promise.all(recent.sessions.map((record) => sessionFacts(stores, record)));
      return {
        statistics: {
          total_sessions: leads.started,
          completed_sessions: leads.completed,
          active_sessions: active,
          total_messages: sample.reduce((sum, count) => sum + count, 0),
          data_collection: {
            names_collected: leads.name_collected,
            emails_collected: leads.email_collected,
            incomes_collected: leads.income_collected,
            completion_rate: percent(leads.completed, leads.started),
          },
          sampled_sessions: sample.length,
        },
        system_health: {
          rag_ready: live.has('chat') && cards.length > 0,
          storage_ready: storage.ok,
          email_ready: live.has('notifications'),
          // 001's one knowledge base is the lead bot's; the other assistants' notes are not its RAG.
          rag_vectors: cards.find((card) => card.name === 'lead')?.knowledge_chunks ?? null,
        },
        recent_sessions: recentFacts.map((fact) => ({
          session_id: fact.record.id,
          assistant: fact.record.assistant,
          status: statusOf(fact),
          timestamp: fact.record.created_at,
          created_at: fact.record.created_at,
          last_activity_at: fact.record.last_active_at,
          completed_at: fact.lead?.completed_at ?? null,
          data: leadDataOf(fact.lead, true),
          data_collected: dataCollectedOf(fact.lead),
          message_count: fact.messageCount,
        })),
        recent_total: recent.total,
      };
    },
  );
}
