import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp as buildChat } from '@switchboard/chat/app';
import { buildApp as buildNotifications } from '@switchboard/notifications/app';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { PrivateRedis } from '@switchboard/testkit/redis-server';
import { type SmtpSink, startSmtpSink } from '@switchboard/testkit/smtp-sink';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp as buildGateway } from '../../app.js';

/** The lead bot's operator (001's RECIPIENT_EMAIL): the one address its lead emails go to. */
export const operatorEmail = 'operator@leads.example';

/**
 * Every service a chat product needs, on one private Redis and one key
 * prefix: the gateway (listening, for sockets and SSE), the chat service
 * with its offline provider (no key set), and the notifications service
 * mailing to an SMTP sink.
 */
export interface ProductWorld {
  config: Config;
  gateway: ServiceBase;
  chat: ServiceBase;
  notifications: ServiceBase;
  sink: SmtpSink;
  /** DATA_DIR; the session log files are under `sessionLogDir`. */
  dataDir: string;
  sessionLogDir: string;
  http(path: string): string;
  ws(path: string): string;
  /** `app.inject` with an optional bearer token. */
  call(options: InjectOptions, token?: string): Promise<LightMyRequestResponse>;
  /** `POST /api/auth/register`: the first user is the administrator. */
  register(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startProductWorld(redis: PrivateRedis): Promise<ProductWorld> {
  const sink = await startSmtpSink();
  const dataDir = await mkdtemp(join(tmpdir(), 'sb-products-'));
  const sessionLogDir = join(dataDir, 'session-log');
  const config = loadConfig(
    testEnv(redis, {
      JWT_SECRET: 'products-tests-secret-long-enough-for-hs256-0123456789',
      DATA_DIR: dataDir,
      SESSION_LOG_DIR: sessionLogDir,
      SMTP_HOST: sink.host,
      SMTP_PORT: String(sink.port),
      RECIPIENT_EMAIL: operatorEmail,
      // A turn that never ends fails its test in seconds, not in the default 30.
      CHAT_DEADLINE_MS: '8000',
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_SESSION: '100000',
      RATE_LIMIT_PER_CHANNEL: '100000',
    }),
  );
  const notifications = await buildNotifications(config);
  const chat = await buildChat(config);
  const gateway = await buildGateway(config);
  await Promise.all([notifications.start(0), chat.start(0)]);
  const port = Number(new URL(await gateway.start(0)).port);

  const call = (options: InjectOptions, token?: string) =>
    gateway.http.inject({
      ...options,
      headers: { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  return {
    config,
    gateway,
    chat,
    notifications,
    sink,
    dataDir,
    sessionLogDir,
    http: (path) => `http://127.0.0.1:${port}${path}`,
    ws: (path) => `ws://127.0.0.1:${port}${path}`,
    call,
    async register(name) {
      const created = await call({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: `${name}@example.com`, username: name, password: 'long enough 1' },
      });
      if (created.statusCode !== 201)
        throw new Error(`register ${name}: ${created.statusCode} ${created.body}`);
      return created.json().access_token as string;
    },
    async stop() {
      await gateway.stop('test over');
      await chat.stop('test over');
      await notifications.stop('test over');
      await sink.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
