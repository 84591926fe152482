import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { type Measurement, measurementOf } from './measurement.js';

/** A turn longer than this counts as lost (the gateway's own deadline is 30 s). */
const turnTimeoutMs = 35_000;

/** The frames that end a wait: the greeting after connecting, a turn's `message`, or its `error`. */
type Final = { type: 'greeting' | 'message' | 'error' } | { type: 'closed' | 'timeout' };

/**
 * A 001 `/ws/:session_id` client that runs one turn at a time: it sends
 * `{message}` and waits for the reply's `message` frame (chunks, `email_sent`
 * and other frames on the way are ignored).
 */
class TurnSocket {
  private readonly finals: Final[] = [];
  private wake: (() => void) | undefined;
  private readonly socket: WebSocket;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type?: unknown };
      if (frame.type === 'greeting' || frame.type === 'message' || frame.type === 'error') {
        this.push({ type: frame.type });
      }
    });
    this.socket.on('close', () => this.push({ type: 'closed' }));
    this.socket.on('error', () => this.push({ type: 'closed' }));
  }

  private push(final: Final): void {
    this.finals.push(final);
    this.wake?.();
  }

  /** The next final frame, or `timeout`. */
  async next(): Promise<Final> {
    if (this.finals.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, turnTimeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.finals.shift() ?? { type: 'timeout' };
  }

  send(message: string): void {
    this.socket.send(JSON.stringify({ message }));
  }

  close(): void {
    this.socket.close();
  }
}

export interface SocketLoad {
  /** One `ws://…/ws/<session id>?token=…` per socket, each its own session. */
  urls: readonly string[];
  /** The text of a socket's `turn`-th message (from 0). */
  messageFor(turn: number): string;
  durationS: number;
}

/** One socket's turns until `until`: the latency of each reply that arrived in time, and the failures. */
async function drive(socket: TurnSocket, load: SocketLoad, until: number) {
  const latencies: number[] = [];
  let failed = 0;
  for (let turn = 0; performance.now() < until; turn++) {
    const started = performance.now();
    socket.send(load.messageFor(turn));
    const final = await socket.next();
    const finished = performance.now();
    // Like autocannon, a turn still in flight when the window closes is not counted either way.
    if (finished > until) break;
    if (final.type === 'message') latencies.push(finished - started);
    else failed++;
    if (final.type === 'closed' || final.type === 'timeout') break;
  }
  return { latencies, failed };
}

/** Every socket runs turns back to back for `durationS`; the sockets are opened (and greeted) first. */
export async function measureSocketTurns(load: SocketLoad): Promise<Measurement> {
  const sockets = load.urls.map((url) => new TurnSocket(url));
  try {
    const greetings = await Promise.all(sockets.map((socket) => socket.next()));
    const refused = greetings.find((final) => final.type !== 'greeting');
    if (refused) throw new Error(`a socket was not greeted (${refused.type})`);
    const start = performance.now();
    const until = start + load.durationS * 1000;
    const runs = await Promise.all(sockets.map((socket) => drive(socket, load, until)));
    return measurementOf(
      runs.flatMap((run) => run.latencies),
      runs.reduce((sum, run) => sum + run.failed, 0),
      load.durationS,
    );
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/** One turn on a fresh socket; throws unless it is greeted and the reply's `message` frame arrives. */
export async function socketTurnOnce(url: string, message: string): Promise<void> {
  const socket = new TurnSocket(url);
  try {
    const greeting = await socket.next();
    if (greeting.type !== 'greeting') throw new Error(`the socket was not greeted (${greeting.type})`);
    socket.send(message);
    const reply = await socket.next();
    if (reply.type !== 'message') throw new Error(`the socket turn ended with ${reply.type}`);
  } finally {
    socket.close();
  }
}
