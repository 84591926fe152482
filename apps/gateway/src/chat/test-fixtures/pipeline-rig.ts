import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp as buildChat } from '@switchboard/chat/app';
import type { ChatMessage } from '@switchboard/contracts/chat';
import { buildApp as buildNotifications } from '@switchboard/notifications/app';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { type FakeOpenAi, startFakeOpenAi } from '@switchboard/testkit/fake-openai';
import type { PrivateRedis } from '@switchboard/testkit/redis-server';
import { type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp as buildGateway } from '../../app.js';

export const operatorEmail = 'ops@example.com';
/** The deadline of the second gateway, for the turn that outlives it. */
export const hurriedDeadlineMs = 300;

export interface OpenedSession {
  id: string;
  token: string;
}

/**
 * The whole turn pipeline on one private Redis: a gateway listening on a
 * real port, a second gateway with a short CHAT_DEADLINE_MS, the chat service
 * talking to the fake OpenAI server through the real `openai` SDK, and the
 * notifications service mailing an SMTP sink.
 */
export interface PipelineRig {
  fake: FakeOpenAi;
  sink: SmtpSink;
  config: Config;
  gateway: ServiceBase;
  hurried: ServiceBase;
  chat: ServiceBase;
  /** `http://127.0.0.1:<port><path>` of the listening gateway. */
  http(path: string): string;
  /** `ws://127.0.0.1:<port><path>` of the listening gateway. */
  ws(path: string): string;
  inject(options: InjectOptions, via?: ServiceBase): Promise<LightMyRequestResponse>;
  /** `POST /api/sessions`, anonymously (a lead session) or as a user with a body. */
  openSession(userToken?: string, body?: Record<string, unknown>): Promise<OpenedSession>;
  /** `POST /api/auth/register`; the first user of the prefix becomes the admin. Returns the access token. */
  register(name: string): Promise<string>;
  /** The session's stored messages, as `GET /api/sessions/:id` shows them. */
  messages(session: OpenedSession): Promise<ChatMessage[]>;
  stop(): Promise<void>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function startPipelineRig(redis: PrivateRedis): Promise<PipelineRig> {
  const [fake, sink, dataDir] = await Promise.all([
    startFakeOpenAi(),
    startSmtpSink(),
    mkdtemp(join(tmpdir(), 'sb-turn-pipeline-')),
  ]);
  const env = testEnv(redis, {
    DATA_DIR: dataDir,
    JWT_SECRET: 'turn-pipeline-tests-secret-long-enough-for-hs256-0123',
    LLM_PROVIDER: 'openai',
    OPENAI_API_KEY: 'sk-fake-turn-pipeline-0123456789',
    OPENAI_BASE_URL: fake.baseUrl,
    LLM_TIMEOUT_MS: '10000',
    CHAT_DEADLINE_MS: '10000',
    RECIPIENT_EMAIL: operatorEmail,
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    RATE_LIMIT_PER_IP: '100000',
    RATE_LIMIT_PER_USER: '100000',
    RATE_LIMIT_PER_SESSION: '100000',
  });
  const config = loadConfig(env);
  // One Redis and one key prefix: every service sees the others' jobs, events and stores.
  const chat = await buildChat(config);
  const notifications = await buildNotifications(config);
  const gateway = await buildGateway(config);
  const hurried = await buildGateway(loadConfig({ ...env, CHAT_DEADLINE_MS: String(hurriedDeadlineMs) }));
  const port = Number(new URL(await gateway.start(0)).port);
  await hurried.http.ready();

  const inject = (options: InjectOptions, via: ServiceBase = gateway) => via.http.inject(options);
  const created = async (options: InjectOptions) => {
    const response = await inject(options);
    if (response.statusCode !== 201)
      throw new Error(`${options.url} answered ${response.statusCode}: ${response.body}`);
    return response.json() as Record<string, string>;
  };

  return {
    fake,
    sink,
    config,
    gateway,
    hurried,
    chat,
    http: (path) => `http://127.0.0.1:${port}${path}`,
    ws: (path) => `ws://127.0.0.1:${port}${path}`,
    inject,
    async openSession(userToken, body = {}) {
      const session = await created({
        method: 'POST',
        url: '/api/sessions',
        payload: body,
        ...(userToken === undefined ? {} : { headers: bearer(userToken) }),
      });
      return { id: session.session_id!, token: userToken ?? session.session_token! };
    },
    async register(name) {
      const tokens = await created({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
      });
      return tokens.access_token!;
    },
    async messages(session) {
      const response = await inject({
        method: 'GET',
        url: `/api/sessions/${session.id}`,
        headers: bearer(session.token),
      });
      if (response.statusCode !== 200)
        throw new Error(`GET /api/sessions/${session.id} answered ${response.statusCode}: ${response.body}`);
      return response.json().messages as ChatMessage[];
    },
    async stop() {
      await Promise.all([gateway.stop('test over'), hurried.stop('test over')]);
      await Promise.all([chat.stop('test over'), notifications.stop('test over')]);
      await Promise.all([fake.close(), sink.close()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
