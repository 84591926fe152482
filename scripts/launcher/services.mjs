import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatLogLine, servicePrefix } from './log-format.mjs';

/** @typedef {import('./colors.mjs').ColorName} ColorName */
/** @typedef {{ name: string, code: number | null, signal: NodeJS.Signals | null }} ServiceExit */

/** @type {ReadonlyArray<[string, ColorName]>} */
const SERVICES = [
  ['gateway', 'cyan'],
  ['chat', 'magenta'],
  ['notifications', 'yellow'],
  ['integration', 'blue'],
];

/**
 * Starts every service as `node apps/<name>/dist/main.js` and streams its
 * output, one prefixed (and, for pino records, compacted) line at a time.
 *
 * @param {{ root: string, env: NodeJS.ProcessEnv, color: boolean }} options
 */
export function startServices({ root, env, color }) {
  const width = Math.max(...SERVICES.map(([name]) => name.length));
  const running = SERVICES.map(([name, hue]) => {
    // Own process group: the launcher alone decides when services get
    // SIGTERM, so a terminal Ctrl-C does not signal them twice.
    const child = spawn(process.execPath, [`apps/${name}/dist/main.js`], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const prefix = servicePrefix(name, width, hue, color);
    pipeLines(child.stdout, process.stdout, prefix, color);
    pipeLines(child.stderr, process.stderr, prefix, color);
    /** @type {Promise<ServiceExit>} */
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ name, code, signal }));
      child.once('error', (error) => {
        process.stderr.write(`${prefix}could not start: ${error.message}\n`);
        resolve({ name, code: 127, signal: null });
      });
    });
    return { child, exited };
  });
  const alive = () => running.filter(({ child }) => child.exitCode === null && child.signalCode === null);

  // Exit hooks run on process.exit() too, which is how a forced stop ends.
  const killAll = () => {
    for (const { child } of alive()) child.kill('SIGKILL');
  };
  process.on('exit', killAll);

  return {
    /** Resolves with whichever service exits first. */
    firstExit: Promise.race(running.map((service) => service.exited)),

    /**
     * SIGTERM to all, SIGKILL for any still running after `graceMs`.
     *
     * @param {number} graceMs
     */
    async stop(graceMs) {
      for (const { child } of alive()) child.kill('SIGTERM');
      const timer = setTimeout(killAll, graceMs);
      await Promise.all(running.map((service) => service.exited));
      clearTimeout(timer);
      process.off('exit', killAll);
    },
  };
}

/**
 * @param {NodeJS.ReadableStream} input
 * @param {NodeJS.WritableStream} output
 * @param {string} prefix
 * @param {boolean} color
 */
function pipeLines(input, output, prefix, color) {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    const text = formatLogLine(line, { color });
    output.write(
      `${text
        .split('\n')
        .map((part) => prefix + part)
        .join('\n')}\n`,
    );
  });
}

/**
 * Polls `url` until it answers 200. Resolves false on timeout or abort.
 *
 * @param {string} url
 * @param {{ timeoutMs: number, intervalMs: number, signal: AbortSignal }} options
 */
export async function waitForReady(url, { timeoutMs, intervalMs, signal }) {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(intervalMs * 4) });
      await response.body?.cancel();
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(intervalMs);
  }
  return false;
}

/** @param {ServiceExit} exit */
export function describeExit(exit) {
  return exit.signal
    ? `${exit.name} was killed by ${exit.signal}`
    : `${exit.name} exited with code ${exit.code}`;
}
