import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from './test-redis.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; output: string; timedOut: boolean }>((resolve) => {
    const child = spawn(process.execPath, ['scripts/launch.mjs', ...args], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

describe('node scripts/launch.mjs start', () => {
  it('fails fast, before installing anything, when no Redis can be found', async () => {
    const binDir = mkdtempSync(path.join(tmpdir(), 'sb-launcher-bin-'));
    tempDirs.push(binDir);
    symlinkSync(process.execPath, path.join(binDir, 'node'));

    const { code, output, timedOut } = await run(
      ['start'],
      { PATH: binDir, SB_LOCAL_REDIS_URL: await closedPortUrl(), HOME: process.env.HOME, CI: 'true' },
      10_000,
    );

    expect(timedOut).toBe(false);
    expect(code).not.toBe(0);
    expect(output).toContain('REDIS_URL=redis://host:6379');
    expect(output).toContain('apt-get install redis-server');
    expect(output).toContain('docker run -p 6379:6379 redis:7');
    expect(output).not.toContain('building');
  });
});

describe('node scripts/launch.mjs', () => {
  it('rejects an unknown command with usage', async () => {
    const { code, output } = await run(['deploy'], { PATH: process.env.PATH }, 10_000);
    expect(code).toBe(2);
    expect(output).toContain('usage: node scripts/launch.mjs <start|test>');
  });
});
