import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type PrivateRedis, startRedis } from '@switchboard/testkit/redis-server';
import { type CpuSource, cpuPerRoundTrip, cpuSnapshot, redisCpuMs } from './cpu-usage.js';
import type { Measurement } from './measurement.js';
import { describeMachine, renderReport, type ScenarioResult } from './report.js';
import { chatScenarios, type Provider } from './scenarios.js';
import { type ServiceChild, startService } from './service-children.js';

/*
 * The benchmark run behind `npm run bench`: a private redis-server, the
 * gateway and the chat worker as separate processes, each scenario checked
 * once, warmed up and measured, and BENCHMARKS.md written at the repo root.
 */

const reportFile = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, not ${text}`);
  return value;
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
  },
});
const durationS = positive('duration', args.duration);
const warmupS = positive('warmup', args.warmup);
const connections = Math.round(positive('connections', args.connections));

/** What every service process gets: only these variables, so nothing from the caller's shell leaks in. */
function serviceEnv(redis: PrivateRedis, dataDir: string): Record<string, string> {
  const perMinute = '1000000';
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'bench',
    // Warnings and errors still show: a run that went wrong should say so.
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LLM_PROVIDER: 'offline',
    // Limits would be what is measured otherwise.
    RATE_LIMIT_PER_IP: perMinute,
    RATE_LIMIT_PER_USER: perMinute,
    RATE_LIMIT_PER_SESSION: perMinute,
    RATE_LIMIT_PER_CHANNEL: perMinute,
  };
}

const line = (text: string) => process.stdout.write(`${text}\n`);
const summary = (m: Measurement) =>
  `${m.perSecond.toFixed(0)} req/s, p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms, ${m.failed} failed`;

const children: ServiceChild[] = [];
let redis: PrivateRedis | undefined;
let dataDir: string | undefined;

let stopped: Promise<void> | undefined;

/** Stops every process and removes the data dir, once (Ctrl-C and the normal end may both ask). */
function stopAll(): Promise<void> {
  stopped ??= (async () => {
    for (const child of children.splice(0).reverse()) await child.stop();
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  })();
  return stopped;
}

async function run(): Promise<void> {
  const [loadBefore = Number.NaN] = loadavg();
  redis = await startRedis();
  dataDir = await mkdtemp(join(tmpdir(), 'sb-bench-'));
  const env = serviceEnv(redis, dataDir);
  const redisClient = redis.client();
  const redisVersion = /redis_version:(\S+)/.exec(await redisClient.info('server'))?.[1] ?? 'unknown';
  const cpuSources = (): CpuSource[] => [
    ...children.map((child) => ({ account: child.role, cpuMs: child.cpuMs })),
    { account: 'redis', cpuMs: async () => redisCpuMs(await redisClient.info('cpu')) },
    {
      account: 'load generator',
      cpuMs: async () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      },
    },
  ];
  line(`redis-server ${redisVersion} on ${redis.url}`);

  const gateway = await startService('gateway', env);
  children.push(gateway);
  let worker = await startService('chat', env);
  children.push(worker);
  let provider: Provider = 'offline';
  line(`gateway on ${gateway.url}, chat worker started (offline provider)`);

  const results: ScenarioResult[] = [];
  for (const [index, scenario] of chatScenarios(gateway.url, connections).entries()) {
    if (scenario.provider !== provider) {
      // The same gateway and Redis; only the chat worker behind them changes.
      await worker.stop();
      children.splice(children.indexOf(worker), 1);
      const fake = await startService('fake-openai', {});
      children.push(fake);
      worker = await startService('chat', {
        ...env,
        LLM_PROVIDER: 'openai',
        OPENAI_API_KEY: 'sk-bench-fake-openai-key',
        OPENAI_BASE_URL: fake.url,
      });
      children.push(worker);
      provider = scenario.provider;
      line(`chat worker restarted with the openai provider against the fake server at ${fake.url}`);
    }
    line(`${index + 1}. ${scenario.title}`);
    await scenario.check();
    await scenario.measure(warmupS);
    const before = await cpuSnapshot(cpuSources());
    const measured = await scenario.measure(durationS);
    const cpuMs = cpuPerRoundTrip(before, await cpuSnapshot(cpuSources()), measured.completed);
    line(`   ${summary(measured)}`);
    if (measured.completed === 0) throw new Error(`scenario ${index + 1} completed no round trip`);
    results.push({ scenario, measured, cpuMs });
  }

  await writeFile(
    reportFile,
    renderReport({
      date: new Date(),
      machine: describeMachine(redisVersion, loadBefore),
      durationS,
      warmupS,
      connections,
      results,
    }),
  );
  line(`results written to ${reportFile}`);
}

let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  line('interrupted; stopping everything');
  void stopAll().finally(() => process.exit(130));
});

try {
  await run();
} catch (error) {
  // After Ctrl-C, the scenario in flight fails as its services go away: that is not news.
  if (!interrupted) {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  }
} finally {
  await stopAll();
}
