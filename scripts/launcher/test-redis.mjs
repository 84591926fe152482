// Test-only helpers: a throwaway redis-server per test file, never the
// machine's own Redis.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, pingRedis } from './redis.mjs';

export { freePort };

/** A `redis://` URL on a port nothing listens on (free a moment ago). */
export async function closedPortUrl() {
  return `redis://127.0.0.1:${await freePort()}`;
}

/**
 * Starts `redis-server` (from PATH) on a free port with no persistence.
 *
 * @param {string[]} [extraArgs] e.g. `['--requirepass', 'secret']`
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startPrivateRedis(extraArgs = []) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-launcher-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `redis://127.0.0.1:${port}`;
  const password = extraArgs[extraArgs.indexOf('--requirepass') + 1];
  const probeUrl = extraArgs.includes('--requirepass') ? `redis://:${password}@127.0.0.1:${port}` : url;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if ((await pingRedis(probeUrl, 500)).ok) return { url, port, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`private redis-server on port ${port} did not start`);
}
