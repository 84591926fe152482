import { type ClientRequest, type IncomingMessage, request } from 'node:http';

/** One SSE event block as a client reads it; `retry:` lines and `:` comments are not events. */
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

/**
 * A live SSE request over node:http (undici would keep a spare connection
 * open after an abort, holding the server's close), read event by event
 * however the bytes were split.
 */
export class SseClient {
  readonly response: Promise<IncomingMessage>;
  private readonly request: ClientRequest;
  private buffer = '';
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(url: string, headers: Record<string, string>) {
    this.request = request(url, { method: 'GET', headers });
    this.request.end();
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

  /** The next event; rejects when the stream ends first. */
  async next(): Promise<SseEvent> {
    await this.response;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = parseBlock(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 2);
        if (block) return block;
        continue;
      }
      if (this.ended) throw new Error('the stream ended');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  close(): void {
    this.request.destroy();
  }
}
