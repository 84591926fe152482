import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  json<T = unknown>(): T;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering, to simulate a slow upstream. */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  hangUp?: boolean;
}

export type FakeRoute = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeHttpServer {
  url: string;
  requests: RecordedRequest[];
  /** Replace (or add) the handler of `METHOD /path`. */
  on(method: string, path: string, route: FakeRoute): void;
  close(): Promise<void>;
}

/**
 * A stand-in for an outside system (Slack, Utopia, PowerCode, a portal) on a
 * real socket, so the real HTTP clients are exercised. Records every request;
 * unknown routes answer 404 like a real API would.
 */
export async function startFakeHttpServer(routes: Record<string, FakeRoute> = {}): Promise<FakeHttpServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      json: <T>() => JSON.parse(body) as T,
    };
    requests.push(recorded);
    const route = table.get(`${recorded.method} ${recorded.path}`);
    const reply: FakeReply = route ? await route(recorded) : { status: 404, body: { error: 'not found' } };
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.hangUp) {
      req.socket.destroy();
      return;
    }
    const isText = typeof reply.body === 'string';
    res.writeHead(reply.status ?? 200, {
      'content-type': isText ? 'text/plain' : 'application/json',
      ...reply.headers,
    });
    res.end(reply.body === undefined ? '' : isText ? reply.body : JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (method, path, route) => table.set(`${method.toUpperCase()} ${path}`, route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
