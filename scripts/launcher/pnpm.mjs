import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { LauncherError } from './errors.mjs';

/** @typedef {{ command: string, prefix: string[], label: string }} Pnpm */

// Turbo would otherwise print a telemetry notice into every failed build's output.
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

/**
 * The pnpm to drive the repo with: the one on PATH when it is 10.x, otherwise
 * the exact version pinned in `packageManager`, fetched through npx, so a
 * fresh machine needs nothing but Node.
 *
 * @param {string} root
 * @returns {Pnpm}
 */
export function resolvePnpm(root) {
  const probe = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' });
  if (probe.status === 0 && /^10\./.test(probe.stdout.trim())) {
    return { command: 'pnpm', prefix: [], label: `pnpm ${probe.stdout.trim()}` };
  }
  const pinned = pinnedPnpm(root);
  return { command: 'npx', prefix: ['--yes', pinned], label: `npx ${pinned}` };
}

/** @param {string} root */
function pinnedPnpm(root) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const field = String(manifest.packageManager ?? '');
  // Drop a corepack integrity suffix such as `+sha512.…`.
  const match = /^(pnpm@[^+]+)/.exec(field);
  if (!match)
    throw new LauncherError(`package.json packageManager must name pnpm (found ${JSON.stringify(field)})`);
  return match[1];
}

/**
 * Runs pnpm with its output collected, so a successful step stays one line
 * and a failed one can show everything.
 *
 * @param {Pnpm} pnpm
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<{ code: number, output: string }>}
 */
export function runPnpmCaptured(pnpm, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(pnpm.command, [...pnpm.prefix, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 127, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: exitCodeOf(code, signal), output }));
  });
}

/**
 * Runs pnpm attached to the terminal (for the test runner's own output).
 *
 * @param {Pnpm} pnpm
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<number>} exit code
 */
export function runPnpmInherited(pnpm, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(pnpm.command, [...pnpm.prefix, ...args], { cwd, env, stdio: 'inherit' });
    child.on('error', (error) => {
      process.stderr.write(`could not run ${pnpm.command}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
}

/**
 * Shell convention (128 + signal number) so a killed child still fails the run.
 *
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 */
export function exitCodeOf(code, signal) {
  if (code !== null) return code;
  return 128 + ((signal && constants.signals[signal]) || 0);
}
