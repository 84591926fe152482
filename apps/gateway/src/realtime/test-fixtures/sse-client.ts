import { type ClientRequest, get, type IncomingMessage } from 'node:http';

/** One SSE block as a client sees it: fields, or a comment. */
export interface Block {
  id?: string;
  event?: string;
  data?: unknown;
  comment?: string;
  retry?: string;
}

/**
 * An SSE request over node:http (not fetch: after an aborted fetch, undici
 * opens a spare connection that never sends a byte, which Node counts as a
 * request in progress, so the server's close would wait for it), read block
 * by block across however the bytes were split.
 */
export class SseClient {
  readonly response: Promise<IncomingMessage>;
  private readonly request: ClientRequest;
  private buffer = '';
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(url: string, headers: Record<string, string>) {
    this.request = get(url, { headers });
    this.response = new Promise((resolve, reject) => {
      this.request.once('error', reject);
      this.request.once('response', (response) => {
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          this.buffer += text;
          this.wake?.();
        });
        response.once('close', () => {
          this.ended = true;
          this.wake?.();
        });
        resolve(response);
      });
    });
  }

  /** The whole body of a refusal. */
  async json(): Promise<Record<string, unknown>> {
    const response = await this.response;
    if (!this.ended) await new Promise((resolve) => response.once('close', resolve));
    return JSON.parse(this.buffer);
  }

  async next(): Promise<Block> {
    await this.response;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const block: Block = {};
        for (const line of text.split('\n')) {
          if (line.startsWith(':')) block.comment = line.slice(1).trim();
          const [, field, value] = /^(\w+): (.*)$/.exec(line) ?? [];
          if (field === 'data') block.data = JSON.parse(value!);
          else if (field === 'id' || field === 'event' || field === 'retry') block[field] = value;
        }
        return block;
      }
      if (this.ended) throw new Error('the stream ended');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** The next block that is an event (skipping `retry:` and comments). */
  async event(): Promise<Block> {
    for (;;) {
      const block = await this.next();
      if (block.event) return block;
    }
  }

  close(): void {
    this.request.destroy();
  }
}

/** One SSE event of a whole body: its `id:`, `event:` and JSON `data:`. */
export interface SseEvent {
  id?: string;
  event?: string;
  // biome-ignore lint/suspicious/noExplicitAny: frames are what the test asserts on, not trusted input.
  data: Record<string, any>;
}

function parseBlock(text: string): SseEvent | null {
  const fields: { id?: string; event?: string; data?: SseEvent['data'] } = {};
  for (const line of text.split('\n')) {
    const [, field, value] = /^(\w+): (.*)$/.exec(line) ?? [];
    if (field === 'data') fields.data = JSON.parse(value!);
    else if (field === 'id' || field === 'event') fields[field] = value!;
  }
  const { data, ...rest } = fields;
  return data === undefined ? null : { ...rest, data };
}

/** The events of a whole SSE body, in order. */
export function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .map(parseBlock)
    .filter((event): event is SseEvent => event !== null);
}
