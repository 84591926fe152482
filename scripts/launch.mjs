#!/usr/bin/env node
// `npm start` / `npm test`. Runs before anything is installed, so it uses
// only Node built-ins; the pieces live in ./launcher/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminApiKey } from './launcher/admin-key.mjs';
import { wantsColor } from './launcher/colors.mjs';
import { LauncherError, reportError } from './launcher/errors.mjs';
import { resolvePnpm } from './launcher/pnpm.mjs';
import { createProgress } from './launcher/progress.mjs';
import { maskUrl, resolveRedis } from './launcher/redis.mjs';
import { describeExit, startServices, waitForReady } from './launcher/services.mjs';
import { createShutdown } from './launcher/shutdown.mjs';
import { build, checkNode, ensureDir, installIfNeeded } from './launcher/steps.mjs';
import { runTests } from './launcher/vitest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;

/**
 * @param {ReturnType<typeof createProgress>} step
 * @param {{ verify?: boolean }} [options] also type-check and lint (for `test`)
 */
async function prepare(step, options = {}) {
  const pnpm = resolvePnpm(root);
  await step(
    `checking dependencies (${pnpm.label})`,
    (installed) => (installed ? 'dependencies installed' : 'dependencies up to date'),
    () => installIfNeeded(pnpm, root),
  );
  if (options.verify) {
    await step('building, type-checking and linting', 'built, types and style clean', () =>
      build(pnpm, root, ['build', 'typecheck', 'lint', 'lint:repo']),
    );
  } else {
    await step('building', 'built', () => build(pnpm, root));
  }
  return pnpm;
}

async function test() {
  const step = createProgress(4);
  let pnpm;
  try {
    await step('checking Node.js', (version) => `Node.js ${version}`, checkNode);
    pnpm = await prepare(step, { verify: true });
  } catch (error) {
    process.exitCode = reportError(error);
    // CI reads the last line; a run that never reached vitest still failed.
    process.stdout.write('Tests: 0 passed, 1 failed\n');
    return;
  }
  const { exitCode, summary } = await step('running tests', null, () => runTests(pnpm, root));
  process.stdout.write(`${summary}\n`);
  process.exitCode = exitCode;
}

async function start() {
  const env = process.env;
  const dataDir = path.resolve(root, env.DATA_DIR ?? '.data');
  /** @type {{ redis?: Awaited<ReturnType<typeof resolveRedis>>, services?: ReturnType<typeof startServices> }} */
  const running = {};
  const shutdown = createShutdown(async () => {
    await running.services?.stop(STOP_GRACE_MS);
    await running.redis?.stop();
  });

  const step = createProgress(6);
  await step('checking Node.js', (version) => `Node.js ${version}`, checkNode);
  // Before install/build: a missing Redis should fail in seconds, not minutes.
  running.redis = await step(
    'looking for Redis',
    (redis) => `Redis (${redis.source}) at ${maskUrl(redis.url)}`,
    () =>
      resolveRedis({
        env,
        // SB_LOCAL_REDIS_URL exists for the launcher's own tests, which must
        // not depend on (or touch) a Redis that happens to run on 6379.
        localUrl: env.SB_LOCAL_REDIS_URL ?? 'redis://127.0.0.1:6379',
        dataDir,
        log: (line) => process.stdout.write(`  ${line}\n`),
      }),
  );

  try {
    await prepare(step);
    if (shutdown.stopping) return;
    const port = env.PORT ?? '8080';
    const admin = adminApiKey(env, ensureDir(dataDir));
    const services = await step('starting services', 'services started', () =>
      startServices({
        root,
        color: wantsColor(process.stdout),
        env: {
          ...env,
          REDIS_URL: running.redis?.url,
          ADMIN_API_KEY: admin.key,
          DATA_DIR: ensureDir(dataDir),
          NODE_ENV: env.NODE_ENV ?? 'production',
          // A laptop run stays private unless the operator opens it up (containers set HOST=0.0.0.0).
          HOST: env.HOST ?? '127.0.0.1',
        },
      }),
    );
    running.services = services;
    await step('waiting for the gateway to be ready', 'ready', () => untilReady(services, port));
    process.stdout.write(
      `✓ Switchboard is up: http://localhost:${port}\n  status: http://localhost:${port}/status\n` +
        `  API docs: http://localhost:${port}/docs\n` +
        (admin.created
          ? `  admin API key (shown this once; kept in ${path.relative(root, admin.file)}): ${admin.key}\n    send it as the x-api-key header\n`
          : `  admin API key: ${admin.file ? `in ${path.relative(root, admin.file)}` : 'the ADMIN_API_KEY you set'}\n`),
    );

    const exit = await services.firstExit;
    if (shutdown.stopping) return;
    process.stderr.write(`✗ ${describeExit(exit)} unexpectedly; stopping everything\n`);
    await shutdown.stop(1);
  } catch (error) {
    // A Ctrl-C also kills pnpm/turbo; that is not a failure worth reporting.
    if (shutdown.stopping) return;
    await shutdown.stop(reportError(error));
  }
}

/**
 * @param {ReturnType<typeof startServices>} services
 * @param {string} port
 */
async function untilReady(services, port) {
  const url = `http://127.0.0.1:${port}/ready`;
  const abort = new AbortController();
  const outcome = await Promise.race([
    waitForReady(url, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250, signal: abort.signal }).then(
      (ready) => ({ ready }),
    ),
    services.firstExit.then((exit) => ({ exit })),
  ]);
  abort.abort();
  if ('exit' in outcome)
    throw new LauncherError(`${describeExit(outcome.exit)} before Switchboard was ready`);
  if (!outcome.ready) throw new LauncherError(`${url} did not answer 200 within ${READY_TIMEOUT_MS / 1000}s`);
}

const commands = { start, test };
const command = process.argv[2];
if (!Object.hasOwn(commands, command ?? '')) {
  process.stderr.write(`usage: node scripts/launch.mjs <${Object.keys(commands).join('|')}>\n`);
  process.exitCode = 2;
} else {
  try {
    await commands[/** @type {keyof typeof commands} */ (command)]();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
