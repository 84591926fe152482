import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StatusBody, statusBodyValidator } from '@switchboard/contracts/health';
import { serviceNames } from '@switchboard/contracts/services';
import { type RunningProcess, startProcess } from '@switchboard/testkit/child-process';
import { freePort } from '@switchboard/testkit/free-port';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The four services as the launcher and the containers run them: separate
 * processes started from their built `dist/main.js`, one private Redis.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const heartbeatTtlS = 3;

describe('the four services as real processes', () => {
  let redis: PrivateRedis;
  let gatewayUrl: string;
  let dataDir: string;
  const processes = new Map<string, RunningProcess>();

  async function status(): Promise<StatusBody> {
    const body: unknown = await (await fetch(`${gatewayUrl}/status`)).json();
    if (!statusBodyValidator.Check(body)) throw new Error(`not a status body: ${JSON.stringify(body)}`);
    return body;
  }

  async function eventually<T>(
    probe: () => Promise<T>,
    accept: (value: T) => boolean,
    timeoutMs: number,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      try {
        last = await probe();
        if (accept(last)) return last;
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    for (const name of serviceNames) {
      const entry = `${repoRoot}apps/${name}/dist/main.js`;
      if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm test does)`);
    }
    redis = await startRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'sb-e2e-'));
    const ports = {
      PORT: await freePort(),
      CHAT_PORT: await freePort(),
      NOTIFICATIONS_PORT: await freePort(),
      INTEGRATION_PORT: await freePort(),
    };
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix(),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      HEARTBEAT_TTL_S: String(heartbeatTtlS),
      ...Object.fromEntries(Object.entries(ports).map(([key, value]) => [key, String(value)])),
    };
    gatewayUrl = `http://127.0.0.1:${ports.PORT}`;
    for (const name of serviceNames) {
      processes.set(
        name,
        startProcess(process.execPath, [`apps/${name}/dist/main.js`], { env, cwd: repoRoot }),
      );
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((running) => running.stop(2_000)));
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows all four healthy on /status, and /ready answers 200', async () => {
    const body = await eventually(status, (value) => value.status === 'ok', 30_000);
    for (const name of serviceNames) {
      expect(body.services[name]?.state).toBe('healthy');
      expect(body.services[name]?.version).toBe('0.1.0');
    }
    expect((await fetch(`${gatewayUrl}/ready`)).status).toBe(200);
  }, 40_000);

  it('shows a killed service unhealthy within its heartbeat TTL', async () => {
    const chat = processes.get('chat')!;
    chat.child.kill('SIGKILL');
    await chat.exited;
    const killedAt = Date.now();
    const body = await eventually(
      status,
      (value) => value.services.chat?.state === 'down',
      (heartbeatTtlS + 3) * 1000,
    );
    expect(Date.now() - killedAt).toBeLessThan((heartbeatTtlS + 3) * 1000);
    expect(body.services.chat?.reason).toBe('no heartbeat');
    expect(body.services.notifications?.state).toBe('healthy');
    expect((await fetch(`${gatewayUrl}/ready`)).status).toBe(503);
    processes.delete('chat');
  }, 20_000);

  it('exits 0 within 10 s on SIGTERM, every service', async () => {
    const results = await Promise.all(
      [...processes.entries()].map(async ([name, running]) => {
        const startedAt = Date.now();
        running.child.kill('SIGTERM');
        const { code, signal } = await Promise.race([
          running.exited,
          new Promise<{ code: null; signal: null }>((resolve) =>
            setTimeout(() => resolve({ code: null, signal: null }), 10_000),
          ),
        ]);
        return { name, code, signal, ms: Date.now() - startedAt, output: running.output() };
      }),
    );
    for (const result of results) {
      expect(result, `${result.name}:\n${result.output.slice(-2_000)}`).toMatchObject({
        code: 0,
        signal: null,
      });
      expect(result.ms).toBeLessThan(10_000);
      expect(result.output).toContain('"msg":"stopped"');
    }
    processes.clear();
  }, 20_000);
});
