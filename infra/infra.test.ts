// Static checks of the container setup: docker-compose.yml, the Dockerfile,
// redis.conf and .dockerignore. No Docker engine is needed; the one dynamic
// check runs the Dockerfile's HEALTHCHECK probe with this Node against a
// local HTTP server.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const APPS = ['gateway', 'chat', 'notifications', 'integration'] as const;
type AppName = (typeof APPS)[number];
/** The variable each service reads its port from, and its default. */
const PORTS: Record<AppName, { env: string; port: number }> = {
  gateway: { env: 'PORT', port: 8080 },
  chat: { env: 'CHAT_PORT', port: 8081 },
  notifications: { env: 'NOTIFICATIONS_PORT', port: 8082 },
  integration: { env: 'INTEGRATION_PORT', port: 8083 },
};
const DOCKERFILE = 'infra/docker/Dockerfile';
const REDIS_CONF = 'infra/redis/redis.conf';

// ---------------------------------------------------------------------------
// Dockerfile parsing

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  index: number;
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let startLine = 0;
  const lines = text.split(/\r?\n/);
  const flush = () => {
    const match = /^(\S+)\s*([\s\S]*)$/.exec(buffer.trim());
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: startLine });
    buffer = '';
  };
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    // Blank and comment lines are skipped, also in the middle of a continuation.
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (buffer === '') startLine = i + 1;
    if (/\\\s*$/.test(raw)) {
      buffer += `${raw.replace(/\\\s*$/, '')} `;
      return;
    }
    buffer += raw;
    flush();
  });
  if (buffer !== '') throw new Error(`Dockerfile ends inside a line continuation (from line ${startLine})`);
  return out;
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const asAt = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({
        index: stages.length,
        base: words[0] ?? '',
        name: asAt >= 0 ? words[asAt + 1]?.toLowerCase() : undefined,
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** `--name=value` flags at the start of an instruction's arguments. */
function flagsOf(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s+/i.exec(rest);
    if (!match) return { flags, rest };
    flags[match[1]!.toLowerCase()] = match[2] ?? '';
    rest = rest.slice(match[0].length);
  }
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    return JSON.parse(args) as string[];
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// .dockerignore matching (Docker's rules: paths from the context root, `*`
// within one segment, `**` across segments, a match on a folder excludes what
// is inside it, the last matching line wins, `!` re-includes).

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function dockerignore(text: string) {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      return { negate, regexp: globToRegExp(pattern) };
    });
  return (file: string): boolean => {
    const parts = file.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.regexp.test(candidate))) excluded = !rule.negate;
    }
    return excluded;
  };
}

// ---------------------------------------------------------------------------
// Compose helpers

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document
type Doc = any;

function envOf(service: Doc): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry: string) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function mountsOf(service: Doc): Mount[] {
  return (service.volumes ?? []).map((volume: Doc): Mount => {
    if (typeof volume === 'string') {
      const [source = '', target = '', mode = ''] = volume.split(':');
      return { source, target, readOnly: mode.split(',').includes('ro') };
    }
    return { source: volume.source ?? '', target: volume.target ?? '', readOnly: volume.read_only === true };
  });
}

function healthcheckText(service: Doc): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : String(test ?? '');
}

function seconds(duration: string | number): number {
  if (typeof duration === 'number') return duration / 1e9;
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g)) {
    total +=
      Number(amount) *
      ({ h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 } as Record<string, number>)[unit!]!;
  }
  return total;
}

const compose: Doc = parse(read('docker-compose.yml'), { merge: true });
const instructions = parseDockerfile(read(DOCKERFILE));
const stages = stagesOf(instructions);
const finalStage = stages.at(-1)!;
const finalOf = (keyword: string) => finalStage.instructions.filter((i) => i.keyword === keyword);

// ---------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('parses as a Compose spec file (no obsolete version key) with redis and the four services', () => {
    expect(compose).toBeTypeOf('object');
    expect(compose).not.toHaveProperty('version');
    expect(Object.keys(compose.services).sort()).toEqual([
      'chat',
      'gateway',
      'integration',
      'notifications',
      'redis',
    ]);
  });

  it('gives every service a healthcheck with a test and a restart policy', () => {
    for (const [name, service] of Object.entries<Doc>(compose.services)) {
      const test = service.healthcheck?.test;
      expect(test, `${name} healthcheck.test`).toBeTruthy();
      expect(
        Array.isArray(test) ? test.length : String(test).length,
        `${name} healthcheck.test`,
      ).toBeGreaterThan(0);
      if (Array.isArray(test)) expect(test[0], `${name} healthcheck.test[0]`).not.toBe('NONE');
      expect(['always', 'unless-stopped', 'on-failure'], `${name} restart`).toContain(
        String(service.restart).split(':')[0],
      );
    }
  });

  it.each(APPS)('builds %s from the Dockerfile, target runtime, APP=<its name>, an existing app', (name) => {
    const build = compose.services[name].build;
    expect(build, `${name}.build`).toBeTypeOf('object');
    const context = path.resolve(root, build.context ?? '.');
    expect(context).toBe(root);
    expect(path.relative(root, path.resolve(context, build.dockerfile))).toBe(DOCKERFILE);
    expect(build.target).toBe('runtime');
    expect(stages.map((stage) => stage.name)).toContain(build.target);
    expect(build.args?.APP).toBe(name);
    const manifest = path.join(root, 'apps', build.args.APP, 'package.json');
    expect(existsSync(manifest), `apps/${name}/package.json`).toBe(true);
    expect(JSON.parse(readFileSync(manifest, 'utf8')).name).toBe(`@switchboard/${name}`);
    expect(compose.services[name].image).toBe(`switchboard-${name}`);
  });

  it('publishes a port for the gateway only, onto its container port 8080', () => {
    const publishing = Object.entries<Doc>(compose.services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(publishing).toEqual(['gateway']);
    const [port] = compose.services.gateway.ports;
    const target = typeof port === 'object' ? String(port.target) : String(port).split(':').at(-1);
    expect(target).toBe('8080');
    expect(envOf(compose.services.gateway).PORT).toBe('8080');
  });

  it.each(APPS)('starts %s only once redis is healthy, and points it at the redis service', (name) => {
    const service = compose.services[name];
    expect(service.depends_on?.redis?.condition).toBe('service_healthy');
    expect(envOf(service).REDIS_URL).toBe('redis://redis:6379');
  });

  it.each(APPS)("probes %s's /health on the port it is told to listen on", (name) => {
    const service = compose.services[name];
    const { env, port } = PORTS[name];
    expect(envOf(service)[env]).toBe(String(port));
    expect(healthcheckText(service)).toContain(`http://127.0.0.1:${port}/health`);
    expect(service.healthcheck.test[0]).toMatch(/^CMD(-SHELL)?$/);
  });

  it.each(APPS)('lets %s drain on SIGTERM and reads .env when there is one', (name) => {
    const service = compose.services[name];
    expect(seconds(service.stop_grace_period ?? '10s')).toBeGreaterThan(10);
    expect(service.env_file).toContainEqual({ path: '.env', required: false });
  });

  it('keeps the gateway and notifications data on the shared sb-data volume', () => {
    expect(compose.volumes).toHaveProperty('sb-data');
    for (const name of ['gateway', 'notifications']) {
      const service = compose.services[name];
      expect(mountsOf(service), name).toContainEqual({
        source: 'sb-data',
        target: '/app/.data',
        readOnly: false,
      });
      expect(envOf(service).DATA_DIR ?? '/app/.data', name).toBe('/app/.data');
    }
  });
});

describe('redis', () => {
  const settings = new Map<string, string[]>();
  for (const raw of read(REDIS_CONF).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [key = '', ...rest] = line.split(/\s+/);
    const values = settings.get(key.toLowerCase()) ?? [];
    values.push(rest.join(' '));
    settings.set(key.toLowerCase(), values);
  }
  const last = (key: string) => settings.get(key)?.at(-1);

  it('persists with an fsynced append-only file on /data', () => {
    expect(last('appendonly')).toBe('yes');
    expect(last('appendfsync')).toBe('everysec');
    expect(last('dir')).toBe('/data');
  });

  it('never evicts keys (BullMQ requires noeviction)', () => {
    expect(last('maxmemory-policy')).toBe('noeviction');
  });

  it('runs redis-server with exactly that file, mounted read-only, and data on a named volume', () => {
    const redis = compose.services.redis;
    expect(String(redis.image)).toMatch(/^redis:7/);
    const command: string[] = Array.isArray(redis.command)
      ? redis.command
      : String(redis.command).split(/\s+/);
    expect(command[0]).toBe('redis-server');
    const confPath = command[1]!;
    const mount = mountsOf(redis).find((m) => m.target === confPath);
    expect(mount, `a mount at ${confPath}`).toBeDefined();
    expect(path.relative(root, path.resolve(root, mount!.source))).toBe(REDIS_CONF);
    expect(mount!.readOnly).toBe(true);
    const data = mountsOf(redis).find((m) => m.target === '/data');
    expect(data?.source).toBeDefined();
    expect(compose.volumes).toHaveProperty(data!.source);
    expect(healthcheckText(redis)).toContain('redis-cli ping');
  });
});

describe('infra/docker/Dockerfile', () => {
  it('parses line continuations into single instructions', () => {
    expect(parseDockerfile('# c\nRUN a \\\n  # inner comment\n  && b\nCMD ["x"]\n')).toEqual([
      { keyword: 'RUN', args: 'a    && b', line: 2 },
      { keyword: 'CMD', args: '["x"]', line: 5 },
    ]);
    expect(() => parseDockerfile('RUN a \\\n')).toThrow(/continuation/);
  });

  it('takes the app as ARG APP', () => {
    expect(instructions.some((i) => i.keyword === 'ARG' && /^APP(=|\s|$)/.test(i.args))).toBe(true);
  });

  it('names its stages uniquely, with runtime last', () => {
    const names = stages.map((stage) => stage.name);
    expect(names.every(Boolean), 'every FROM has AS <name>').toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['base', 'deps', 'build', 'deploy', 'runtime']));
    expect(finalStage.name).toBe('runtime');
  });

  it('runs the final stage as a non-root user in /app with NODE_ENV=production', () => {
    const user = finalOf('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
    expect(finalOf('WORKDIR').at(-1)?.args).toBe('/app');
    expect(finalOf('ENV').some((i) => /(^|\s)NODE_ENV=production(\s|$)/.test(i.args))).toBe(true);
  });

  it('starts node dist/main.js, stops on SIGTERM and has a HEALTHCHECK', () => {
    expect(execForm(finalOf('CMD').at(-1)?.args ?? '')).toEqual(['node', 'dist/main.js']);
    expect(finalOf('STOPSIGNAL').at(-1)?.args).toBe('SIGTERM');
    const healthcheck = finalOf('HEALTHCHECK').at(-1)?.args ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    expect(healthcheck).toContain('/health');
  });

  it('builds the app with turbo and packages it with pnpm deploy', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => /pnpm fetch\b/.test(run))).toBe(true);
    expect(
      runs.some((run) => /pnpm install\b.*--offline/.test(run) && run.includes('--frozen-lockfile')),
    ).toBe(true);
    const appFilter = /--filter="?@switchboard\/\$\{APP\}\.\.\./; // the app and its dependencies
    expect(runs.some((run) => /turbo run build\b/.test(run) && appFilter.test(run))).toBe(true);
    const deploy = runs.find((run) => /\bpnpm\b.*\bdeploy\b/.test(run));
    expect(deploy).toBeDefined();
    expect(deploy).toContain('--prod');
    // pnpm 10 refuses to deploy without one of these.
    expect(deploy).toMatch(/--legacy|inject-workspace-packages=true/);
  });

  it('copies --from earlier stages only, and the runtime from deploy', () => {
    for (const stage of stages) {
      const earlier = stages.slice(0, stage.index);
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY')) {
        const from = flagsOf(copy.args).flags.from;
        if (from === undefined) continue;
        const known = earlier.some((s) => s.name === from.toLowerCase() || String(s.index) === from);
        expect(known, `line ${copy.line}: COPY --from=${from} names no earlier stage`).toBe(true);
      }
    }
    expect(finalOf('COPY').some((i) => flagsOf(i.args).flags.from === 'deploy')).toBe(true);
  });

  it('copies from the build context only files that exist and .dockerignore keeps', () => {
    const ignored = dockerignore(read('.dockerignore'));
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY' && flagsOf(i.args).flags.from === undefined)
      .flatMap((i) => {
        const rest = flagsOf(i.args).rest;
        const parts = execForm(rest) ?? rest.split(/\s+/);
        return parts.slice(0, -1);
      })
      .filter((source) => source !== '.');
    expect(sources).toEqual(expect.arrayContaining(['pnpm-lock.yaml', 'pnpm-workspace.yaml']));
    // A glob may match nothing (BuildKit allows that): only plain paths must exist.
    for (const source of sources.filter((s) => !/[*?[]/.test(s))) {
      expect(existsSync(path.join(root, source)), source).toBe(true);
      expect(ignored(source), `${source} is excluded by .dockerignore`).toBe(false);
    }
  });

  describe('HEALTHCHECK probe', () => {
    let server: Server;
    let port: number;
    let status = 200;
    // HEALTHCHECK [--options] CMD ["node", "-e", "..."]
    const probe = execForm(
      finalOf('HEALTHCHECK')
        .at(-1)
        ?.args.replace(/^.*?\bCMD\s+/, '') ?? '',
    );

    beforeAll(async () => {
      server = createServer((req, res) => {
        res.writeHead(req.url === '/health' ? status : 404, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const runProbe = (env: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const [command, ...args] = probe!;
        expect(command).toBe('node');
        execFile(
          process.execPath,
          args,
          { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 },
          (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0),
        );
      });

    it('is exec-form node', () => {
      expect(probe?.[0]).toBe('node');
    });

    it.each(APPS)("passes when %s's /health answers 200 on its own port variable", async (name) => {
      status = 200;
      expect(await runProbe({ APP: name, [PORTS[name].env]: String(port) })).toBe(0);
    });

    it.each(APPS)("fails when %s's /health answers 503, or nothing listens", async (name) => {
      status = 503;
      expect(await runProbe({ APP: name, [PORTS[name].env]: String(port) })).not.toBe(0);
      status = 200;
      // Another service's variable must not be used for this one.
      const other = APPS.find((app) => PORTS[app].env !== PORTS[name].env)!;
      expect(
        await runProbe({ APP: name, [PORTS[name].env]: '1', [PORTS[other].env]: String(port) }),
      ).not.toBe(0);
    });

    it('sets APP in the runtime image so the probe knows the service', () => {
      expect(finalOf('ENV').some((i) => /(^|\s)APP=\$\{?APP\}?(\s|$)/.test(i.args))).toBe(true);
      expect(finalOf('ARG').some((i) => /^APP(=|\s|$)/.test(i.args))).toBe(true);
    });
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(read('.dockerignore'));

  it('matches like Docker', () => {
    const sample = dockerignore('node_modules\n**/dist\n.env.*\n!.env.example\n');
    expect(sample('node_modules/a/b')).toBe(true);
    expect(sample('apps/x/node_modules')).toBe(false);
    expect(sample('apps/x/dist/main.js')).toBe(true);
    expect(sample('dist')).toBe(true);
    expect(sample('.env.local')).toBe(true);
    expect(sample('.env.example')).toBe(false);
  });

  it('excludes dependencies, secrets, build output, state and VCS data', () => {
    for (const file of [
      'node_modules/x/index.js',
      'apps/gateway/node_modules/.bin/tsc',
      'packages/runtime/node_modules/x',
      '.env',
      '.env.local',
      'apps/gateway/dist/main.js',
      'packages/runtime/dist/index.js',
      '.data/state.json',
      '.git/HEAD',
      '.turbo/cache/x',
      'apps/chat/.turbo/turbo-build.log',
      'coverage/index.html',
      'debug.log',
    ]) {
      expect(ignored(file), file).toBe(true);
    }
  });

  it('keeps what the image build needs', () => {
    for (const file of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'turbo.json',
      'tsconfig.base.json',
      'apps/gateway/package.json',
      'apps/gateway/src/main.ts',
      'apps/gateway/config/default.json',
      'packages/runtime/src/index.ts',
      '.env.example',
    ]) {
      expect(ignored(file), file).toBe(false);
    }
  });
});
