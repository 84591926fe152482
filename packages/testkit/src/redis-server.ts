import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** A fresh key prefix, so tests sharing one server never see each other's keys. */
  prefix(): string;
  /** A plain client for assertions; closed by `stop()`. */
  client(): Redis;
  /** Stop answering (SIGSTOP) without closing sockets, as a hung server would. */
  pause(): void;
  resume(): void;
  /**
   * Stop the server process and start a new one on the same port and dir, so
   * clients reconnect by themselves. `whileStopped` runs in between, for
   * checking what callers see while Redis is really gone. Data does not
   * survive (no persistence).
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

let prefixCounter = 0;

/**
 * A private `redis-server` on a free port, with its files in a temp dir.
 * Never the machine's Redis on 6379: tests may do anything to this one.
 */
export async function startRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-redis-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = await spawnServer(port, dir);
    if (child) return handle(child, port, dir);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('could not start a private redis-server (is redis-server on PATH?)');
}

/** A `redis-server` answering on `port`, or undefined when it did not come up (port taken, no binary). */
async function spawnServer(port: number, dir: string): Promise<ChildProcess | undefined> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return (await waitForReady(child, port)) ? child : undefined;
}

/** SIGTERM (after SIGCONT, in case it is paused), SIGKILL if it lingers; resolves once it has exited. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGCONT');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

async function waitForReady(child: ChildProcess, port: number): Promise<boolean> {
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {
    exited = true;
  });
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && !exited) {
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return true;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  return false;
}

function handle(first: ChildProcess, port: number, dir: string): PrivateRedis {
  let child = first;
  const clients: Redis[] = [];
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    prefix: () => `t${process.pid}x${++prefixCounter}`,
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async restart(whileStopped) {
      await stopServer(child);
      const [check] = await Promise.allSettled([whileStopped?.()]);
      // Back up even when the check failed, so the rest of the test file still has a server.
      const next = await spawnServer(port, dir);
      if (!next) throw new Error(`could not restart the private redis-server on port ${port}`);
      child = next;
      if (check?.status === 'rejected') throw check.reason;
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await stopServer(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
