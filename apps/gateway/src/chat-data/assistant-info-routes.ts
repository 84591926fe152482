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
        querystring: UsageQuery,
        response: { 200: OpenAiUsage },
      },
      config: { policy: 'admin' },
    },
    async (request) => {
      const days = request.query.days ?? 30;
      const report = await usage.report({ days });
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
        days,
        by_model: report.by_model,
        by_day: report.by_day,
      };
    },
  );
}
