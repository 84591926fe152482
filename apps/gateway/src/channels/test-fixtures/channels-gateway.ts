import { type Config, loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import type { PrivateRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../app.js';

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

/** A gateway as `buildApp` makes it, with registered users and every log line it wrote. */
export interface ChannelsGateway {
  service: ServiceBase;
  config: Config;
  logs: string[];
  /** `POST /api/auth/register` a new user, then `GET /api/auth/me` for its id. */
  register(): Promise<TestUser>;
  /** A request, as `user` when given. */
  call(options: InjectOptions, user?: TestUser): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

let registered = 0;

export async function startChannelsGateway(
  redis: PrivateRedis,
  env: Record<string, string> = {},
): Promise<ChannelsGateway> {
  const config = loadConfig(
    testEnv(redis, {
      JWT_SECRET: 'channels-tests-secret-long-enough-for-hs256-0123456789',
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_USER: '100000',
      LOG_LEVEL: 'info',
      ...env,
    }),
  );
  const logs: string[] = [];
  const service = await buildApp(config, { logDestination: { write: (line: string) => logs.push(line) } });
  const call = (options: InjectOptions, user?: TestUser) =>
    service.http.inject({
      ...options,
      headers: { ...options.headers, ...(user ? { authorization: `Bearer ${user.token}` } : {}) },
    });
  return {
    service,
    config,
    logs,
    call,
    async register() {
      registered++;
      const email = `channels${registered}@example.com`;
      const created = await call({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, username: `channels${registered}`, password: 'long enough 1' },
      });
      if (created.statusCode !== 201) throw new Error(`register answered ${created.statusCode}`);
      const token = created.json<{ access_token: string }>().access_token;
      const me = await call({ method: 'GET', url: '/api/auth/me' }, { id: '', email, token });
      return { id: me.json<{ id: string }>().id, email, token };
    },
    stop: () => service.stop('test over'),
  };
}
