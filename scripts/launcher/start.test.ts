import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pingRedis } from './redis.mjs';
import { closedPortUrl, freePort } from './test-redis.mjs';

// `start` end to end against a throwaway copy of the launcher whose "repo"
// has stand-in services and a stand-in pnpm, so no install or build runs.

const scripts = path.resolve(import.meta.dirname, '..');
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const fakeService = `
import http from 'node:http';
const name = process.argv[1].split('/').at(-3);
const log = (level, msg, extra = {}) =>
  console.log(JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname: 'h', service: name, msg, ...extra }));
log(30, 'started', { redis: process.env.REDIS_URL, env: process.env.NODE_ENV, self: process.pid });
if (process.env.CRASH === name) { console.error('boom: ' + name); process.exit(3); }
const server = http.createServer((req, res) => { res.statusCode = req.url === '/ready' ? 200 : 404; res.end(); });
// With a crash planned, the gateway comes up late, so the crash always lands before readiness.
if (name === 'gateway') setTimeout(() => server.listen(Number(process.env.PORT), '127.0.0.1'), process.env.CRASH ? 2000 : 0);
else setInterval(() => {}, 1000);
process.on('SIGTERM', () => { log(30, 'bye'); if (!process.env.STUBBORN) process.exit(0); });
`;

function fakeRepo(): { root: string; bin: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'sb-launcher-repo-'));
  tempDirs.push(root);
  cpSync(path.join(scripts, 'launch.mjs'), path.join(root, 'scripts/launch.mjs'));
  cpSync(path.join(scripts, 'launcher'), path.join(root, 'scripts/launcher'), {
    recursive: true,
    filter: (source) => !source.endsWith('.test.ts'),
  });
  writeFileSync(path.join(root, 'package.json'), '{"packageManager":"pnpm@10.34.8"}');
  mkdirSync(path.join(root, 'node_modules'));
  for (const name of ['gateway', 'chat', 'notifications', 'integration']) {
    mkdirSync(path.join(root, 'apps', name, 'dist'), { recursive: true });
    writeFileSync(path.join(root, 'apps', name, 'dist/main.js'), fakeService);
  }
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'pnpm'), '#!/bin/sh\n[ "$1" = "--version" ] && echo 10.0.0\nexit 0\n');
  chmodSync(path.join(bin, 'pnpm'), 0o755);
  return { root, bin };
}

type Launch = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
let launched: Launch | undefined;
afterEach(async () => {
  // A graceful stop followed by a forced one: the launcher's exit hooks then
  // kill every child, so a failed test leaks no processes.
  if (launched?.child.exitCode === null) {
    launched.child.kill('SIGTERM');
    launched.child.kill('SIGINT');
    await launched.exited;
  }
  launched = undefined;
});

async function launchStart(env: NodeJS.ProcessEnv): Promise<Launch> {
  const { root, bin } = fakeRepo();
  const child = spawn(process.execPath, ['scripts/launch.mjs', 'start'], {
    cwd: root,
    env: {
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      HOME: process.env.HOME,
      SB_LOCAL_REDIS_URL: await closedPortUrl(),
      DATA_DIR: path.join(root, 'data'),
      PORT: String(await freePort()),
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  launched = { child, output: () => output, exited };
  return launched;
}

function pidOf(output: string, name: string): number {
  const pid = new RegExp(`${name} +│ .*INFO started .*self=(\\d+)`).exec(output)?.[1];
  if (!pid) throw new Error(`no pid for ${name} in:\n${output}`);
  return Number(pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child orphaned by the launcher stays a zombie until init reaps it.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitForOutput(launch: Launch, text: string | RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = () => (typeof text === 'string' ? launch.output().includes(text) : text.test(launch.output()));
  while (!seen()) {
    if (Date.now() > deadline || launch.child.exitCode !== null) {
      throw new Error(`never saw ${JSON.stringify(text)} in:\n${launch.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('node scripts/launch.mjs start', () => {
  it('brings the services up on a spawned Redis and stops everything on SIGINT', async () => {
    const launch = await launchStart({});
    await waitForOutput(launch, 'Switchboard is up');

    const output = launch.output();
    const redisUrl = /Redis \(spawned\) at (redis:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(redisUrl).toBeDefined();
    expect(await pingRedis(redisUrl as string)).toEqual({ ok: true });
    expect(output).toContain('▸ [6/6]');
    expect(output).toMatch(
      /gateway {7}│ \d\d:\d\d:\d\d INFO started redis=redis:\/\/127\.0\.0\.1:\d+ env=production self=\d+\n/,
    );
    expect(output).toContain('notifications │ ');
    expect(output).toMatch(/status: http:\/\/localhost:\d+\/status/);

    launch.child.kill('SIGINT');
    expect(await launch.exited).toBe(0);
    const after = launch.output();
    expect(after).toContain('stopping…');
    expect(after.trimEnd().endsWith('stopped')).toBe(true);
    for (const name of ['gateway', 'chat', 'notifications', 'integration']) {
      expect(after).toMatch(new RegExp(`${name} +│ \\d\\d:\\d\\d:\\d\\d INFO bye`));
    }
    expect((await pingRedis(redisUrl as string, 500)).ok).toBe(false);
  });

  it('stops everything and exits 1 when a service dies before it is ready', async () => {
    const launch = await launchStart({ CRASH: 'chat' });
    expect(await launch.exited).toBe(1);
    const output = launch.output();
    expect(output).toContain('chat          │ boom: chat');
    expect(output).toContain('chat exited with code 3 before Switchboard was ready');
    expect(output).toContain('stopped');
    const redisUrl = /Redis \(spawned\) at (redis:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect((await pingRedis(redisUrl as string, 500)).ok).toBe(false);
  });

  it('stops everything and exits 1 when a service dies while running', async () => {
    const launch = await launchStart({});
    await waitForOutput(launch, 'Switchboard is up');
    // Under load chat may log its start after the gateway is ready.
    await waitForOutput(launch, /chat +│ .*INFO started .*self=\d+/);
    const gateway = pidOf(launch.output(), 'gateway');
    process.kill(pidOf(launch.output(), 'chat'), 'SIGKILL');
    expect(await launch.exited).toBe(1);
    expect(launch.output()).toContain('chat was killed by SIGKILL unexpectedly');
    expect(launch.output()).toMatch(/gateway +│ .*INFO bye/);
    expect(isAlive(gateway)).toBe(false);
  });

  it('kills at once on a second SIGINT when services do not stop', async () => {
    const launch = await launchStart({ STUBBORN: '1' });
    await waitForOutput(launch, 'Switchboard is up');
    const gateway = pidOf(launch.output(), 'gateway');
    const redisUrl = /Redis \(spawned\) at (redis:\/\/127\.0\.0\.1:\d+)/.exec(launch.output())?.[1];
    launch.child.kill('SIGINT');
    await waitForOutput(launch, 'INFO bye');
    const secondAt = Date.now();
    launch.child.kill('SIGINT');
    expect(await launch.exited).toBe(130);
    expect(Date.now() - secondAt).toBeLessThan(2_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(gateway)).toBe(false);
    expect((await pingRedis(redisUrl as string, 500)).ok).toBe(false);
  });
});
