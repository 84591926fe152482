import { type ChildProcess, fork } from 'node:child_process';
import type { CpuReply, CpuRequest, ReadyMessage, ServiceRole } from './service-roles.js';

const entry = new URL('./service-process.js', import.meta.url);
const readyTimeoutMs = 30_000;
const stopGraceMs = 10_000;

export interface ServiceChild {
  role: ServiceRole;
  url: string;
  /** CPU time (user + system) the process has used since it started. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, SIGKILL if it lingers past the grace period; resolves once it has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
  await gone;
  clearTimeout(timer);
}

/** Forks a service process with its environment and waits until it listens. */
export async function startService(role: ServiceRole, env: Record<string, string>): Promise<ServiceChild> {
  const child = fork(entry, [role], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${role} did not start within ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      child.once('message', (message: ReadyMessage) => {
        clearTimeout(timer);
        resolve(message.url);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${role} exited (${signal ?? code}) before it was ready`));
      });
    });
    return {
      role,
      url,
      cpuMs: () =>
        new Promise((resolve) => {
          child.once('message', (reply: CpuReply) => resolve(reply.cpuUs / 1000));
          child.send({ cpu: true } satisfies CpuRequest);
        }),
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
