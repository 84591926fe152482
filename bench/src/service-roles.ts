/** The processes a benchmark run starts (see service-process.ts). */
export const serviceRoles = ['gateway', 'chat', 'fake-openai'] as const;
export type ServiceRole = (typeof serviceRoles)[number];

/** What a service process sends the runner once it listens. */
export interface ReadyMessage {
  ready: true;
  /** The gateway's or chat service's address; the fake OpenAI server's `/v1` base URL. */
  url: string;
}

/** The runner asks a service process for the CPU time it has used so far… */
export interface CpuRequest {
  cpu: true;
}
/** …and it answers in microseconds (user + system), from `process.cpuUsage()`. */
export interface CpuReply {
  cpuUs: number;
}

/** The fake model's every reply: twenty stream chunks, like a short real answer. */
export const twentyDeltas: readonly string[] = Array.from(
  { length: 20 },
  (_, i) => `word${String(i).padStart(2, '0')} `,
);
