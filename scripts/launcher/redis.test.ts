import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LauncherError, maskUrl, pingRedis, resolveRedis } from './redis.mjs';
import { closedPortUrl, freePort, startPrivateRedis } from './test-redis.mjs';

type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-launcher-test-'));
  tempDirs.push(dir);
  return dir;
}

/** A PATH on which only `node` exists, so no redis-server can be found. */
function pathWithOnlyNode(): string {
  const dir = tempDir();
  symlinkSync(process.execPath, path.join(dir, 'node'));
  return dir;
}

/** The LauncherError `attempt` rejects with (fails the test otherwise). */
async function rejectionOf(attempt: Promise<unknown>): Promise<LauncherError> {
  const outcome = await attempt.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(outcome).toHaveProperty('error');
  const { error } = outcome as { error: unknown };
  expect(error).toBeInstanceOf(LauncherError);
  return error as LauncherError;
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('resolveRedis', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('uses REDIS_URL when it answers', async () => {
    const resolved = await resolveRedis({
      env: { REDIS_URL: redis.url, PATH: '' },
      localUrl: await closedPortUrl(),
      dataDir: tempDir(),
    });
    expect(resolved.source).toBe('env');
    expect(resolved.url).toBe(redis.url);
  });

  it('rejects a REDIS_URL that does not answer, even when a local Redis would', async () => {
    const deadUrl = await closedPortUrl();
    const error = await rejectionOf(
      resolveRedis({
        env: { REDIS_URL: deadUrl, PATH: process.env.PATH },
        localUrl: redis.url,
        dataDir: tempDir(),
      }),
    );
    expect(error.message).toContain(`REDIS_URL=${deadUrl} does not answer`);
  });

  it('rejects a REDIS_URL where something other than Redis answers', async () => {
    const server = net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await rejectionOf(
        resolveRedis({ env: { REDIS_URL: `redis://127.0.0.1:${port}` }, dataDir: tempDir() }),
      );
    } finally {
      server.close();
    }
  });

  it('uses the local Redis when REDIS_URL is not set', async () => {
    const resolved = await resolveRedis({ env: { PATH: '' }, localUrl: redis.url, dataDir: tempDir() });
    expect(resolved.source).toBe('local');
    expect(resolved.url).toBe(redis.url);
  });
});

describe('resolveRedis with credentials in REDIS_URL', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis(['--requirepass', 's3cret']);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('authenticates before PING', async () => {
    const url = `redis://:s3cret@127.0.0.1:${redis.port}`;
    const resolved = await resolveRedis({ env: { REDIS_URL: url }, dataDir: tempDir() });
    expect(resolved).toMatchObject({ source: 'env', url });
  });

  it('reports a wrong password without printing it', async () => {
    const url = `redis://default:wrong-pass@127.0.0.1:${redis.port}`;
    const error = await rejectionOf(resolveRedis({ env: { REDIS_URL: url }, dataDir: tempDir() }));
    expect(error.message).toContain('redis://default:***@127.0.0.1');
    expect(error.message).not.toContain('wrong-pass');
  });
});

describe('resolveRedis spawning redis-server from PATH', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('starts a private server with its AOF under dataDir and stops it', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const logs: string[] = [];
    const resolved = await resolveRedis({
      env: { PATH: process.env.PATH },
      localUrl: await closedPortUrl(),
      dataDir,
      spawnPort: port,
      log: (line: string) => logs.push(line),
    });
    stop = resolved.stop;

    expect(resolved.source).toBe('spawned');
    expect(resolved.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await pingRedis(resolved.url)).toEqual({ ok: true });
    // Redis 7 creates its append-only directory inside --dir at startup.
    expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
    expect(logs.join('\n')).toContain(String(port));

    const stoppingSince = Date.now();
    await resolved.stop();
    stop = undefined;
    expect(Date.now() - stoppingSince).toBeLessThan(4_000);
    expect(readFileSync(path.join(dataDir, 'redis', 'redis.log'), 'utf8')).toContain('Received SIGTERM');
    expect((await pingRedis(resolved.url, 500)).ok).toBe(false);
  });
});

describe('resolveRedis with no Redis anywhere', () => {
  it('explains the three ways to get one', async () => {
    const error = await rejectionOf(
      resolveRedis({
        env: { PATH: pathWithOnlyNode() },
        localUrl: await closedPortUrl(),
        dataDir: tempDir(),
      }),
    );
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('REDIS_URL=redis://host:6379');
    expect(error.message).toContain('redis-server');
    expect(error.message).toContain('apt-get install redis-server');
    expect(error.message).toContain('brew install redis');
    expect(error.message).toContain('docker run -p 6379:6379 redis:7');
  });
});

describe('maskUrl', () => {
  it('hides only the password', () => {
    expect(maskUrl('rediss://user:p%40ss@redis.example:6380/2')).toBe(
      'rediss://user:***@redis.example:6380/2',
    );
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
