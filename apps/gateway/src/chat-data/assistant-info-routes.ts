import {
  GreetingBody,
  GreetingQuery,
  OpenAiInfo,
  OpenAiUsage,
  UsageQuery,
} from '@switchboard/contracts/chat-api';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { ChatDataStores } from './chat-data-stores.js';
import { pickGreeting } from './session-opening.js';

const notStarted = () => new AppError('SB_UNAVAILABLE', 'The chat service has not started yet.');

const unavailable = (description: string) => ({ description, $ref: 'ErrorBody#' });

/** 002 showed these to send the operator to OpenAI's own figures. */
const openAiDashboards = {
  usage: 'https://platform.openai.com/usage',
  billing: 'https://platform.openai.com/settings/organization/billing/overview',
};

/** 002 gave its costs with 4 decimals. */
const round4 = (usd: number | null) => (usd === null ? null : Math.round((usd + Number.EPSILON) * 1e4) / 1e4);

const usageNote = (days: number) =>
  `Counted by Switchboard from every provider call of the last ${days} UTC day(s), per model, and priced ` +
  'per 1,000 prompt and completion tokens from the configured price table; a model without a price makes ' +
  "the costs null, and OpenAI's dashboards show what it actually billed.";

/**
 * What the chat service publishes about itself: greetings (001), the LLM
 * behind it and the tokens it spent (002). The gateway reads the stores the
 * chat service writes; it never asks the service.
 */
export function registerAssistantInfoRoutes(app: HttpServer, stores: ChatDataStores): void {
  const { catalog, usage } = stores;

  app.get(
    '/api/greeting',
    {
      schema: {
        tags: ['chat'],
        summary: "One of the assistant's opening lines, at random (001)",
        querystring: GreetingQuery,
        response: {
          200: GreetingBody,
          503: unavailable('The chat service has not published its assistants yet (`SB_UNAVAILABLE`).'),
        },
      },
      config: { policy: 'open' },
    },
    async (request) => {
      const assistant = request.query.assistant ?? 'lead';
      const opening = await pickGreeting(catalog, assistant);
      if (!opening) throw notStarted();
      return { greeting: opening.greeting, assistant, privacy_notice: opening.privacyNotice };
    },
  );

  app.get(
    '/api/openai/info',
    {
      schema: {
        tags: ['chat'],
        summary: 'The LLM provider, model and credential source (002); never the key',
        description:
          "002's `model`, `credentials_valid` and `credentials_info`, without the key's prefix or length and " +
          'without file paths.',
        response: {
          200: OpenAiInfo,
          503: unavailable('The chat service has not published its LLM yet (`SB_UNAVAILABLE`).'),
        },
      },
      config: { policy: 'admin' },
    },
    async () => {
      const info = await catalog.llmInfo();
      if (!info) throw notStarted();
      return {
        ...info,
        credentials_valid: info.provider === 'openai' && info.configured,
        credentials_info: {
          openai_model: info.model,
          credential_source: info.credential_source,
          openai_api_key_set: info.credential_source !== 'none',
        },
      };
    },
  );

  app.get(
    '/api/openai/usage',
    {
      schema: {
        tags: ['chat'],
        summary: 'Requests, tokens and cost over the last days, by model and by day (002)',
        description:
          "002's keys (B6) counted from persisted per-model counters rather than process memory, with " +
          '`days`, `by_model` and `by_day` beside them. `account_info` never holds any part of a key.',
        querystring: UsageQuery,
        response: { 200: OpenAiUsage },
      },
      config: { policy: 'admin' },
    },
    async (request) => {
      const days = request.query.days ?? 30;
      const [report, llm] = await Promise.all([usage.report({ days }), catalog.llmInfo()]);
      const online = llm !== null && llm.provider === 'openai';
      const mostUsed = Object.entries(report.by_model).reduce<[string, number] | null>(
        (best, [model, totals]) =>
          best === null || totals.requests > best[1] ? [model, totals.requests] : best,
        null,
      );
      return {
        total_prompt_tokens: report.prompt_tokens,
        total_completion_tokens: report.completion_tokens,
        total_tokens: report.total_tokens,
        request_count: report.requests,
        model: mostUsed?.[0] ?? null,
        estimated_cost_usd: report.cost_usd,
        prompt_cost_usd: round4(report.prompt_cost_usd),
        completion_cost_usd: round4(report.completion_cost_usd),
        account_info: online && llm.configured ? { model: llm.model, status: 'active' as const } : {},
        billing_credit_balance: null,
        usage_dashboard_url: online ? openAiDashboards.usage : null,
        billing_dashboard_url: online ? openAiDashboards.billing : null,
        note: usageNote(days),
        days,
        by_model: report.by_model,
        by_day: report.by_day,
      };
    },
  );
}
