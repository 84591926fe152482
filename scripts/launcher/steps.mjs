import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LauncherError } from './errors.mjs';
import { runPnpmCaptured } from './pnpm.mjs';

/** @typedef {import('./pnpm.mjs').Pnpm} Pnpm */

const MIN_NODE = [20, 11];
const INSTALL_STAMP = 'node_modules/.switchboard-install-stamp';

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new LauncherError(
      `Switchboard needs Node.js >= ${MIN_NODE.join('.')}; this is ${process.version}. ` +
        'Install a current LTS from https://nodejs.org (or: nvm install 20).',
    );
  }
  return process.version;
}

/**
 * Installs only when a manifest changed since the last install, because even
 * a no-op `pnpm install` costs seconds on every start.
 *
 * @param {Pnpm} pnpm
 * @param {string} root
 * @returns {Promise<boolean>} whether an install ran
 */
export async function installIfNeeded(pnpm, root) {
  if (!needsInstall(root)) return false;
  const { code, output } = await runPnpmCaptured(pnpm, ['install', '--frozen-lockfile'], root);
  if (code !== 0) {
    process.stderr.write(output);
    throw new LauncherError(`${pnpm.label} install --frozen-lockfile failed (exit ${code})`, code);
  }
  writeFileSync(path.join(root, INSTALL_STAMP), `${new Date().toISOString()}\n`);
  return true;
}

/** @param {string} root */
function needsInstall(root) {
  if (!existsSync(path.join(root, 'node_modules/.modules.yaml'))) return true;
  const stamp = mtimeMs(path.join(root, INSTALL_STAMP));
  if (stamp === undefined) return true;
  return installInputs(root).some((file) => (mtimeMs(file) ?? 0) > stamp);
}

/** @param {string} root */
function installInputs(root) {
  const workspaceManifests = ['apps', 'packages'].flatMap((group) => {
    const dir = path.join(root, group);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).map((name) => path.join(dir, name, 'package.json'));
  });
  // pnpm-workspace.yaml holds the dependency catalog, so it counts as a manifest; bench/ is a workspace package too.
  return ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', 'bench/package.json']
    .map((file) => path.join(root, file))
    .concat(workspaceManifests);
}

/** @param {string} file */
function mtimeMs(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Runs turbo tasks (cached, so a re-run only redoes what changed).
 *
 * @param {Pnpm} pnpm
 * @param {string} root
 * @param {string[]} [tasks]
 */
export async function build(pnpm, root, tasks = ['build']) {
  const { code, output } = await runPnpmCaptured(
    pnpm,
    ['exec', 'turbo', 'run', ...tasks, '--output-logs=errors-only'],
    root,
  );
  if (code !== 0) {
    process.stderr.write(output);
    throw new LauncherError(`${tasks.join(' + ')} failed (exit ${code}); see the output above`, code);
  }
}

/** @param {string} dir */
export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}
