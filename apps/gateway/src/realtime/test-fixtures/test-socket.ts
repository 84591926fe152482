import { WebSocket } from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: frames are what the test asserts on, not trusted input.
export type Frame = Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A real `ws` client that keeps every frame it receives, so a test can wait
 * for the next one that matches, and how the server closed it.
 */
export class TestSocket {
  readonly closed: Promise<Closed>;
  private readonly unread: unknown[] = [];
  private wake: (() => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // kept as text
      }
      this.unread.push(frame);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake?.();
      });
    });
  }

  /** Resolves once the upgrade is accepted; rejects with the HTTP status when it is refused. */
  static open(url: string, protocols?: string[]): Promise<TestSocket> {
    const socket = new WebSocket(url, protocols);
    const client = new TestSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first unread frame that matches (earlier non-matching ones stay unread). */
  async next(matches: (frame: Frame) => boolean = () => true, timeoutMs = 3_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.unread.findIndex((frame) => matches(frame as Frame));
      if (index >= 0) return this.unread.splice(index, 1)[0] as Frame;
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`no matching frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.unread)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next unread envelope `{event, data}` with that event name. */
  event(name: string, timeoutMs?: number): Promise<Frame> {
    return this.next((frame) => frame.event === name, timeoutMs);
  }

  /** Everything received and not yet taken by `next`. */
  get pending(): readonly unknown[] {
    return this.unread;
  }

  close(): void {
    this.socket.close();
  }
}
