import type { ServiceRole } from './service-roles.js';

/** The processes whose CPU time a run accounts for. */
export type CpuAccount = ServiceRole | 'redis' | 'load generator';
export const cpuAccounts: readonly CpuAccount[] = [
  'gateway',
  'chat',
  'fake-openai',
  'redis',
  'load generator',
];

/** Reads how much CPU time (ms, user + system) one process has used since it started. */
export interface CpuSource {
  account: CpuAccount;
  cpuMs(): Promise<number>;
}

export type CpuSnapshot = Partial<Record<CpuAccount, number>>;

export async function cpuSnapshot(sources: readonly CpuSource[]): Promise<CpuSnapshot> {
  const readings = await Promise.all(sources.map(async (source) => [source.account, await source.cpuMs()]));
  return Object.fromEntries(readings) as CpuSnapshot;
}

/** CPU ms each process spent per successful round trip between two snapshots (of the same processes). */
export function cpuPerRoundTrip(before: CpuSnapshot, after: CpuSnapshot, roundTrips: number): CpuSnapshot {
  const spent: CpuSnapshot = {};
  for (const account of cpuAccounts) {
    const start = before[account];
    const end = after[account];
    if (start !== undefined && end !== undefined) spent[account] = (end - start) / roundTrips;
  }
  return spent;
}

/** `redis-server`'s own CPU time, from the `used_cpu_*` lines of `INFO cpu`. */
export function redisCpuMs(info: string): number {
  const seconds = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}
