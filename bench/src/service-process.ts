import { buildApp as buildChat } from '@switchboard/chat/app';
import { buildApp as buildGateway } from '@switchboard/gateway/app';
import { loadConfig } from '@switchboard/runtime/config';
import { startFakeOpenAi } from '@switchboard/testkit/fake-openai';
import {
  type CpuReply,
  type CpuRequest,
  type ReadyMessage,
  type ServiceRole,
  serviceRoles,
  twentyDeltas,
} from './service-roles.js';

/*
 * One benchmarked process, forked by the runner with the role as its argument
 * and the service's environment: the gateway, the chat worker, or the fake
 * OpenAI server. Each runs in its own process, as deployed, so the load
 * generator in the runner does not share an event loop with what it measures.
 */

// Benchmark sockets send turns back to back; the per-connection message
// budget (20 per 10 s) would otherwise be the thing measured.
const unlimitedRealtime = { limits: { messagesPerWindow: 1_000_000 } };

async function start(role: ServiceRole): Promise<{ url: string; stop: () => Promise<void> }> {
  if (role === 'fake-openai') {
    const fake = await startFakeOpenAi({ defaultReply: () => ({ deltas: [...twentyDeltas] }) });
    return { url: fake.baseUrl, stop: () => fake.close() };
  }
  const config = loadConfig(process.env);
  const service =
    role === 'gateway'
      ? await buildGateway(config, { realtime: unlimitedRealtime })
      : await buildChat(config);
  const url = await service.start(0);
  return { url, stop: () => service.stop('benchmark over') };
}

const role = process.argv[2] as ServiceRole;
if (!serviceRoles.includes(role)) throw new Error(`unknown service role ${JSON.stringify(role)}`);
const running = await start(role);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
// The runner died without stopping us: do not linger as an orphan.
process.once('disconnect', stop);
process.on('message', (message: CpuRequest) => {
  if (!message.cpu) return;
  const { user, system } = process.cpuUsage();
  process.send?.({ cpuUs: user + system } satisfies CpuReply);
});
process.send?.({ ready: true, url: running.url } satisfies ReadyMessage);
