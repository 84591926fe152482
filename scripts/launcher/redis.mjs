import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { LauncherError } from './errors.mjs';

export { LauncherError };

/**
 * @typedef {{ url: string, source: 'env' | 'local' | 'spawned', stop: () => Promise<void> }} ResolvedRedis
 * @typedef {{ ok: true } | { ok: false, reason: string }} PingResult
 */

const PING_TIMEOUT_MS = 2_000;
const SPAWN_READY_MS = 5_000;
const STOP_GRACE_MS = 5_000;

/**
 * Finds a Redis for the services: an explicit `REDIS_URL`, else one already
 * answering at `localUrl`, else a private `redis-server` from PATH whose
 * append-only file lives under `dataDir` so data survives restarts.
 *
 * @param {{
 *   env: NodeJS.ProcessEnv,
 *   localUrl?: string,
 *   dataDir: string,
 *   spawnPort?: number,
 *   log?: (line: string) => void,
 * }} options
 * @returns {Promise<ResolvedRedis>}
 */
export async function resolveRedis({
  env,
  localUrl = 'redis://127.0.0.1:6379',
  dataDir,
  spawnPort,
  log = () => {},
}) {
  const noop = async () => {};
  if (env.REDIS_URL) {
    const answer = await pingRedis(env.REDIS_URL);
    if (!answer.ok) {
      throw new LauncherError(
        `REDIS_URL=${maskUrl(env.REDIS_URL)} does not answer PING (${answer.reason}).\n` +
          'Start that server, fix the URL, or unset REDIS_URL to use a local redis-server.',
      );
    }
    return { url: env.REDIS_URL, source: 'env', stop: noop };
  }

  if ((await pingRedis(localUrl)).ok) return { url: localUrl, source: 'local', stop: noop };

  const binary = findOnPath('redis-server', env.PATH ?? '');
  if (!binary) {
    throw new LauncherError(
      `No Redis found: nothing answers at ${maskUrl(localUrl)} and redis-server is not on PATH.\n` +
        'Switchboard needs Redis; any one of these works:\n' +
        '  • use an existing server:  REDIS_URL=redis://host:6379 npm start\n' +
        '  • install it so redis-server is on PATH:  sudo apt-get install redis-server  (macOS: brew install redis)\n' +
        '  • run one in a container:  docker run -p 6379:6379 redis:7',
    );
  }
  const port = spawnPort ?? ((await isPortFree(6379)) ? 6379 : await freePort());
  return spawnRedis({ binary, port, dir: path.join(dataDir, 'redis'), log });
}

/**
 * Sends PING (after AUTH when the URL carries credentials) over a raw socket,
 * so the launcher needs no Redis client before `pnpm install` has run.
 *
 * @param {string} url `redis://` or `rediss://`
 * @param {number} [timeoutMs]
 * @returns {Promise<PingResult>}
 */
export function pingRedis(url, timeoutMs = PING_TIMEOUT_MS) {
  let target;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, reason: 'not a valid URL' });
  }
  if (target.protocol !== 'redis:' && target.protocol !== 'rediss:') {
    return Promise.resolve({ ok: false, reason: 'scheme must be redis: or rediss:' });
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(target.port || 6379);
  /** @type {string[][]} */
  const commands = [];
  if (target.password) {
    const password = decodeURIComponent(target.password);
    commands.push(
      target.username ? ['AUTH', decodeURIComponent(target.username), password] : ['AUTH', password],
    );
  }
  commands.push(['PING']);

  return new Promise((resolve) => {
    const socket =
      target.protocol === 'rediss:'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
        : net.connect({ host, port });
    let buffered = '';
    /** @param {PingResult} result */
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once(target.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map(encodeCommand).join(''));
    });
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      // AUTH and PING both answer with one-line simple strings or errors.
      const replies = buffered.split('\r\n').slice(0, -1);
      const failure = replies.find((reply) => reply.startsWith('-'));
      if (failure) finish({ ok: false, reason: failure.slice(1) });
      else if (replies.length >= commands.length) {
        const last = replies[commands.length - 1];
        finish(
          last === '+PONG' ? { ok: true } : { ok: false, reason: `unexpected reply ${JSON.stringify(last)}` },
        );
      }
    });
    socket.on('error', (error) => finish({ ok: false, reason: error.message || String(error) }));
    socket.on('close', () => finish({ ok: false, reason: 'connection closed' }));
  });
}

/** @param {string} url */
export function maskUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * Looks through PATH ourselves so the answer depends only on the env given,
 * not on the launcher's own environment.
 *
 * @param {string} name
 * @param {string} searchPath
 */
export function findOnPath(name, searchPath) {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A port the OS considers free right now (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(address.port));
    });
  });
}

/** @param {number} port */
function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** @param {string[]} parts */
function encodeCommand(parts) {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/**
 * @param {{ binary: string, port: number, dir: string, log: (line: string) => void }} options
 * @returns {Promise<ResolvedRedis>}
 */
async function spawnRedis({ binary, port, dir, log }) {
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'redis.log');
  const logFd = openSync(logFile, 'a');
  // Own process group: a terminal Ctrl-C must not kill Redis before the
  // services have finished their graceful shutdown against it.
  const options = {
    port: String(port),
    bind: '127.0.0.1',
    dir,
    appendonly: 'yes',
    appendfsync: 'everysec',
    save: '',
    daemonize: 'no',
    'protected-mode': 'yes',
  };
  const args = Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]);
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  const url = `redis://127.0.0.1:${port}`;
  log(`starting ${binary} on port ${port} (data in ${dir}, log in ${logFile})`);

  let exited = false;
  const exitedPromise = new Promise((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve(undefined);
    });
    child.once('error', () => {
      exited = true;
      resolve(undefined);
    });
  });
  // A crash or process.exit() in the launcher must not leave Redis behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exitedPromise;
    clearTimeout(timer);
  };

  const deadline = Date.now() + SPAWN_READY_MS;
  while (!exited && Date.now() < deadline) {
    if ((await pingRedis(url, 500)).ok) return { url, source: 'spawned', stop };
    await sleep(100);
  }
  await stop();
  throw new LauncherError(
    `redis-server on port ${port} did not answer PING within ${SPAWN_READY_MS / 1000}s. Last lines of ${logFile}:\n` +
      tail(logFile, 10),
  );
}

/** @param {string} file @param {number} lines */
function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
