import type { AssistantCard, LlmInfo } from '@switchboard/contracts/chat';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { SessionStore } from '@switchboard/stores/sessions';
import type { PrivateRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../app.js';
import { type ChatDataStores, openChatDataStores } from '../chat-data-stores.js';

export const adminKey = 'chat-data-tests-admin-key-00000000000';
export const admin = { 'x-api-key': adminKey };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The cards and LLM the chat service would publish when it starts. */
export const leadCard: AssistantCard = {
  name: 'lead',
  title: 'Market veteran',
  description: 'Talks markets, collects name, email and income.',
  greetings: ['Couldn’t sleep either? Ask me about markets.', 'Markets never sleep. What are you trading?'],
  privacy_notice: 'I am an AI assistant; what you share is stored for follow-up.',
  slots: ['name', 'email', 'income'],
};
export const generalCard: AssistantCard = {
  name: 'general',
  title: 'General chat',
  description: 'Plain chat with attached files.',
  greetings: ['Hello! How can I help?'],
  slots: [],
};
export const offlineLlm: LlmInfo = {
  provider: 'offline',
  model: 'offline-bm25',
  base_url_host: null,
  configured: false,
  credential_source: 'none',
  offline: true,
  note: 'No OPENAI_API_KEY: answers come from the offline provider.',
};

export interface ChatDataGateway {
  service: ServiceBase;
  stores: ChatDataStores;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** `POST /api/auth/register`; the first user of the prefix becomes the admin. */
  register(name: string): Promise<string>;
  /** `POST /api/sessions` anonymously or as a user; expects 201. */
  openSession(
    token?: string,
    body?: Record<string, unknown>,
  ): Promise<{ session_id: string; session_token: string; [field: string]: unknown }>;
  stop(): Promise<void>;
}

export async function startChatDataGateway(
  redis: PrivateRedis,
  overrides: Record<string, string> = {},
): Promise<ChatDataGateway> {
  const config = loadConfig(
    testEnv(redis, {
      ADMIN_API_KEY: adminKey,
      JWT_SECRET: 'chat-data-tests-secret-long-enough-for-hs256-0123456789',
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_SESSION: '100000',
      ...overrides,
    }),
  );
  const service = await buildApp(config);
  await service.http.ready();
  const sessions = new SessionStore(service.redis, service.keys, config.sessions.idleTtlS);
  const inject = (options: InjectOptions) => service.http.inject(options);
  return {
    service,
    stores: openChatDataStores(service, sessions),
    inject,
    async register(name) {
      const created = await inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
      });
      if (created.statusCode !== 201) throw new Error(`register ${name}: ${created.body}`);
      return created.json().access_token as string;
    },
    async openSession(token, body = {}) {
      const created = await inject({
        method: 'POST',
        url: '/api/sessions',
        payload: body,
        ...(token ? { headers: bearer(token) } : {}),
      });
      if (created.statusCode !== 201) throw new Error(`open session: ${created.statusCode} ${created.body}`);
      return created.json();
    },
    stop: () => service.stop('test over'),
  };
}
