import type { TurnPayload } from '@switchboard/contracts/chat';
import { queues } from '@switchboard/contracts/queues';
import { loadConfig } from '@switchboard/runtime/config';
import type { ServiceBase } from '@switchboard/runtime/service-base';
import { SessionEventLog } from '@switchboard/stores/session-events';
import type { PrivateRedis } from '@switchboard/testkit/redis-server';
import { testEnv } from '@switchboard/testkit/test-env';
import { buildApp } from '../../app.js';
import type { RealtimeTuning } from '../realtime-plugin.js';

/** A real gateway on a free port, as `buildApp` makes it, with what the realtime tests need around it. */
export interface TestGateway {
  service: ServiceBase;
  port: number;
  /** `http://127.0.0.1:<port><path>` */
  http(path: string): string;
  /** `ws://127.0.0.1:<port><path>` */
  ws(path: string): string;
  /** The sessions' event streams, as a chat worker would append to them. */
  events: SessionEventLog;
  /** The `chat.turn` jobs waiting on the queue: no chat worker runs here, so a started turn stays there. */
  queuedTurns(): Promise<TurnPayload[]>;
  /** `POST /api/sessions`, anonymously or as a user (who then owns it). */
  openSession(userToken?: string): Promise<{ id: string; token: string }>;
  /** `POST /api/auth/register`; the first user of a gateway's Redis prefix becomes its admin. */
  register(): Promise<{ accessToken: string; refreshToken: string }>;
  stop(): Promise<void>;
}

let users = 0;

export async function startTestGateway(
  redis: PrivateRedis,
  realtime: RealtimeTuning = {},
): Promise<TestGateway> {
  const config = loadConfig(
    testEnv(redis, {
      JWT_SECRET: 'realtime-tests-secret-long-enough-for-hs256-0123456789',
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_SESSION: '100000',
    }),
  );
  const service = await buildApp(config, { realtime });
  const address = new URL(await service.start(0));
  const port = Number(address.port);
  const json = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, string>;
  };
  return {
    service,
    port,
    http: (path) => `http://127.0.0.1:${port}${path}`,
    ws: (path) => `ws://127.0.0.1:${port}${path}`,
    events: new SessionEventLog(service.redis, service.keys, config.sessions.idleTtlS),
    async queuedTurns() {
      const jobs = await service.producer(queues.chat).queue.getJobs(['waiting', 'prioritized', 'delayed']);
      return jobs
        .filter((job) => job.name === 'turn')
        .map((job) => (job.data as { payload: TurnPayload }).payload);
    },
    async openSession(userToken) {
      const created = await json('/api/sessions', {}, userToken);
      return { id: created.session_id!, token: created.session_token! };
    },
    async register() {
      users++;
      const tokens = await json('/api/auth/register', {
        email: `rt${users}@example.com`,
        username: `rt${users}`,
        password: 'long enough 1',
      });
      return { accessToken: tokens.access_token!, refreshToken: tokens.refresh_token! };
    },
    stop: () => service.stop('test over'),
  };
}
