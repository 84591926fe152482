import { cpus, type as osType, release, totalmem } from 'node:os';
import { type CpuAccount, type CpuSnapshot, cpuAccounts } from './cpu-usage.js';
import type { Measurement } from './measurement.js';

import type { Scenario } from './scenarios.js';

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  redis: string;
  /** The 1-minute load average before the run started: how busy the machine already was. */
  loadBefore: number;
}

export function describeMachine(redisVersion: string, loadBefore: number): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    ramGiB: totalmem() / 1024 ** 3,
    os: `${osType()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    loadBefore,
  };
}

export interface ScenarioResult {
  scenario: Pick<Scenario, 'title' | 'path'>;
  measured: Measurement;
  /** CPU ms each process spent per successful round trip while it was measured. */
  cpuMs: CpuSnapshot;
}

export interface Report {
  date: Date;
  machine: Machine;
  durationS: number;
  warmupS: number;
  connections: number;
  /** In run order; the first is the baseline. */
  results: readonly ScenarioResult[];
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const ms = (value: number) => fixed(value, value < 10 ? 2 : 1);
const ratio = (value: number) => `${fixed(value, value < 0.1 ? 3 : 2)}×`;

function table(results: readonly ScenarioResult[]): string {
  const base = results[0]!.measured;
  const rows = results.map(({ scenario, measured }, index) =>
    [
      String(index + 1),
      scenario.title,
      fixed(measured.perSecond, 0),
      ms(measured.p50Ms),
      ms(measured.p99Ms),
      `${measured.completed} / ${measured.failed}`,
      ratio(measured.perSecond / base.perSecond),
      ratio(measured.p50Ms / base.p50Ms),
    ].join(' | '),
  );
  return [
    '| # | scenario | req/s | p50 ms | p99 ms | ok / failed | req/s ÷ baseline | p50 ÷ baseline |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

const accountNames: Record<CpuAccount, string> = {
  gateway: 'gateway',
  chat: 'chat worker',
  'fake-openai': 'fake OpenAI',
  redis: 'Redis',
  'load generator': 'load generator',
};

const totalCpu = (cpuMs: CpuSnapshot) => cpuAccounts.reduce((sum, account) => sum + (cpuMs[account] ?? 0), 0);
/** How many cores the run kept busy: CPU per round trip times round trips per second. */
const coresBusy = ({ cpuMs, measured }: ScenarioResult) => (totalCpu(cpuMs) * measured.perSecond) / 1000;

function cpuTable(results: readonly ScenarioResult[]): string {
  const rows = results.map((result, index) => {
    const cells = cpuAccounts.map((account) => {
      const value = result.cpuMs[account];
      return value === undefined ? '–' : fixed(value, 3);
    });
    return `| ${index + 1} | ${cells.join(' | ')} | ${fixed(totalCpu(result.cpuMs), 3)} | ${fixed(coresBusy(result), 2)} |`;
  });
  return [
    `| # | ${cpuAccounts.map((account) => accountNames[account]).join(' | ')} | total | cores busy |`,
    `|---|${cpuAccounts.map(() => '---:|').join('')}---:|---:|`,
    ...rows,
  ].join('\n');
}

/** The process whose CPU per round trip grew most from `from` to `to`, and by how much. */
function grewMost(from: CpuSnapshot, to: CpuSnapshot): { name: string; ms: number } {
  let most = { name: 'none', ms: Number.NEGATIVE_INFINITY };
  for (const account of cpuAccounts) {
    const grown = (to[account] ?? 0) - (from[account] ?? 0);
    if (grown > most.ms) most = { name: accountNames[account], ms: grown };
  }
  return most;
}

/** What the run says, in numbers taken from it: each step of the pipeline against the one before. */
function reading(results: readonly ScenarioResult[]): string {
  const [health, stateless, session, socket, openai] = results;
  if (!health || !stateless || !session || !socket || !openai) return '';
  const later = (a: ScenarioResult, b: ScenarioResult) => {
    const gap = a.measured.p50Ms - b.measured.p50Ms;
    return `${ms(Math.abs(gap))} ms ${gap < 0 ? 'less' : 'more'}`;
  };
  const cpu = (result: ScenarioResult) => `${fixed(totalCpu(result.cpuMs), 2)} ms`;
  const cpuOf = (result: ScenarioResult, account: CpuAccount) => `${fixed(result.cpuMs[account] ?? 0, 2)} ms`;
  const sessionGrowth = grewMost(stateless.cpuMs, session.cpuMs);
  // Within a tenth either way is the same, given this machine's noise.
  const socketVerdict =
    socket.measured.p50Ms > session.measured.p50Ms * 1.1 ? 'costs more than HTTP' : 'is no dearer than HTTP';
  return [
    `- **A turn costs its queue round trip.** A stateless turn (2) reaches ` +
      `${ratio(stateless.measured.perSecond / health.measured.perSecond)} of the baseline's throughput, ` +
      `takes ${later(stateless, health)} at the median and ${cpu(stateless)} of CPU against ` +
      `${cpu(health)} for \`/health\` (gateway ${cpuOf(stateless, 'gateway')}, chat worker ` +
      `${cpuOf(stateless, 'chat')}, Redis ${cpuOf(stateless, 'redis')}). The offline provider does next ` +
      'to no work, so this is the pipeline itself: the gateway records the turn and adds a BullMQ job, ' +
      'the chat worker (another process) takes it, runs it and completes it with its result, and the ' +
      "gateway's queue-events reader wakes the waiting request: several Redis scripts and streams and " +
      'two process hops where `/health` has none.',
    `- **A session adds its bookkeeping.** A lead session turn (3) takes ${later(session, stateless)} ` +
      `at the median than a stateless one and ${cpu(session)} of CPU against ${cpu(stateless)}, most of the ` +
      `difference in the ${sessionGrowth.name} (+${fixed(sessionGrowth.ms, 2)} ms): turn ordering, history, ` +
      'BM25 retrieval, lead slot capture, both messages stored, usage, session events and the session ' +
      'log line (a second job on the same queue).',
    `- **The socket door ${socketVerdict}.** The same lead turns over \`/ws/:session_id\` (4) have ` +
      `a median of ${ms(socket.measured.p50Ms)} ms against ${ms(session.measured.p50Ms)} ms over ` +
      `\`POST /api/chat\` (3), and ${cpu(socket)} of CPU against ${cpu(session)}: the reply reaches the ` +
      "socket through the session's event feed (pub/sub) instead of the job's completion event.",
    `- **Streaming from a model costs the SDK and an HTTP hop.** Through the \`openai\` SDK and the fake ` +
      `server's 20 chunks (5), a stateless turn takes ${later(openai, stateless)} at the median than ` +
      `offline (2) and ${cpu(openai)} of CPU against ${cpu(stateless)}, of which the fake server itself ` +
      `takes ${cpuOf(openai, 'fake-openai')} (a real model runs elsewhere) and the chat worker ` +
      `${cpuOf(openai, 'chat')} against ${cpuOf(stateless, 'chat')}. A real model adds its own time to ` +
      'first token and generation, hundreds of milliseconds to seconds, which dwarfs everything here.',
  ].join('\n');
}

export function renderReport(report: Report): string {
  const { machine } = report;
  return `# Benchmarks

Generated by \`npm run bench\` (see [bench/README.md](bench/README.md)); do not edit by hand, run it again.

- **Date:** ${report.date.toISOString()}
- **Machine:** ${machine.cpu}, ${machine.cores} cores, ${fixed(machine.ramGiB, 1)} GiB RAM, ${machine.os}; load average ${fixed(machine.loadBefore, 2)} before the run
- **Software:** Node.js ${machine.node}, Redis ${machine.redis}
- **Load:** ${report.connections} concurrent connections (or sockets) per scenario, ${report.warmupS} s warm-up, then ${report.durationS} s measured

## Results

${table(report.results)}

Ratios are against scenario 1, measured in the same run on the same gateway: compare them across
runs and machines rather than the absolute numbers. Latency is per round trip, as the client sees it.

${report.results.map(({ scenario }, index) => `${index + 1}. **${scenario.title}**: ${scenario.path}.`).join('\n')}

### CPU per round trip (ms)

CPU time (user + system) each process used during the measured window, divided by the round trips
that succeeded in it. "–": the process does not take part.

${cpuTable(report.results)}

## What the numbers mean

${reading(report.results)}

Every process runs on this one machine: Redis, the gateway, the chat worker, the fake OpenAI server
and the load generator share its ${machine.cores} cores. "Cores busy" shows how much of them a scenario
kept working: where it nears ${machine.cores}, req/s is the machine's CPU divided by the CPU a round
trip costs, and latency includes waiting for a core; where it stays well below while latency grows,
other work on the machine had the rest (see the load average above). A deployment with cores of its own for each
service would do better in absolute terms. The machine is shared and noisy, so absolute numbers move by
tens of percent between runs; the ratios and the CPU per round trip are the steadier figures. One chat
worker runs a bounded number of turns at once (\`turnConcurrency\` in apps/chat/src/app.ts); with more
connections than that, a turn also waits its place in the queue.
`;
}
