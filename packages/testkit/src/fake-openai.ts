import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it. */
export interface OpenAiRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The JSON body, parsed; `undefined` when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
}

/** A tool call the fake "model" makes; `argumentChunks` is how its JSON text is split across stream chunks. */
export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: string;
  argumentChunks?: string[];
}

/** What the next completion answers. */
export interface ScriptedReply {
  /** The text, one stream chunk per item (joined for a non-streaming call). */
  deltas?: string[];
  toolCalls?: ScriptedToolCall[];
  /** Token counts to report; estimated from characters when absent. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Leave out the usage chunk even when `stream_options.include_usage` asked for it, as some compatible servers do. */
  omitUsage?: boolean;
  /** Defaults to "tool_calls" when there are tool calls, else "stop". */
  finishReason?: string;
  /** The model the response names; defaults to the requested one. */
  model?: string;
}

/**
 * What goes wrong with the next request. Status faults answer instead of the
 * reply; `slow` and `cut` change how the next reply is delivered.
 */
export type OpenAiFault =
  | { type: 'rate_limited'; retryAfterS?: number }
  | { type: 'server_error'; status?: number }
  | { type: 'invalid_api_key' }
  | { type: 'http'; status: number; body: unknown; headers?: Record<string, string> }
  | { type: 'slow'; firstByteDelayMs?: number; chunkDelayMs?: number }
  /** Drop the connection after N chunks, without [DONE]; `graceful` ends the response cleanly instead. */
  | { type: 'cut'; afterChunks: number; graceful?: boolean }
  /** Send N chunks, then hold the connection open with nothing more, like a hung upstream. */
  | { type: 'stall'; afterChunks: number };

export interface FakeOpenAi {
  /** Server root, e.g. `http://127.0.0.1:1234`. */
  url: string;
  /** What `OPENAI_BASE_URL` should be: the root plus `/v1`. */
  baseUrl: string;
  /** Every request, in order, whatever it was answered with. */
  requests: OpenAiRequest[];
  /** Only the `POST /v1/chat/completions` requests. */
  completionRequests(): OpenAiRequest[];
  /** Queue replies for the next completions, in order. */
  enqueueReply(...replies: ScriptedReply[]): void;
  /** Queue faults for the next completion requests, one per request, in order. */
  enqueueFault(...faults: OpenAiFault[]): void;
  /** Only these bearer keys are accepted from now on; `undefined` accepts any non-empty key. */
  acceptKeys(keys: string[] | undefined): void;
  close(): Promise<void>;
}

export interface FakeOpenAiOptions {
  /** Accepted bearer keys; any non-empty key when absent. */
  apiKeys?: string[];
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
  /** The reply when the queue is empty; defaults to echoing the last user message. */
  defaultReply?: (body: CompletionBody) => ScriptedReply;
}

/** The parts of a chat completion request the fake reads. */
export interface CompletionBody {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_call_id?: unknown; tool_calls?: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: unknown[];
}

const messageRoles = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function openAiError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** The key as the real API echoes it in a 401: first and last characters only. */
function maskedKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : ''))
      .join('');
  return '';
}

/** Roughly four characters a token, as OpenAI's own rule of thumb. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Words with their trailing spaces, so the pieces join back to the text. */
function splitWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function echoReply(body: CompletionBody): ScriptedReply {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  return { deltas: splitWords(`Echo: ${textOf(lastUser?.content)}`) };
}

/** Why the body is not a chat completion request the real API would take, or undefined. */
function invalidBody(body: unknown): { message: string; param: string } | undefined {
  if (typeof body !== 'object' || body === null)
    return { message: 'We could not parse the JSON body.', param: '' };
  const candidate = body as Record<string, unknown>;
  if (typeof candidate.model !== 'string' || candidate.model === '')
    return { message: 'you must provide a model parameter', param: 'model' };
  if (!Array.isArray(candidate.messages) || candidate.messages.length === 0)
    return { message: "'messages' must contain at least one message.", param: 'messages' };
  for (const [index, message] of candidate.messages.entries()) {
    const entry = message as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || !messageRoles.has(String(entry.role)))
      return {
        message: `Invalid value for 'role' at messages[${index}].`,
        param: `messages.[${index}].role`,
      };
    if (entry.role === 'tool' && typeof entry.tool_call_id !== 'string')
      return {
        message: `Missing 'tool_call_id' at messages[${index}].`,
        param: `messages.[${index}].tool_call_id`,
      };
    if (entry.tool_calls !== undefined) {
      const calls = entry.tool_calls;
      const wellFormed =
        Array.isArray(calls) &&
        calls.every(
          (call: { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown } }) => {
            return (
              typeof call.id === 'string' &&
              call.type === 'function' &&
              typeof call.function?.name === 'string' &&
              typeof call.function.arguments === 'string'
            );
          },
        );
      if (!wellFormed)
        return {
          message: `Invalid 'tool_calls' at messages[${index}].`,
          param: `messages.[${index}].tool_calls`,
        };
    }
  }
  if (candidate.tools !== undefined) {
    const tools = candidate.tools;
    const wellFormed =
      Array.isArray(tools) &&
      tools.every(
        (tool: { type?: unknown; function?: { name?: unknown } }) =>
          tool.type === 'function' && typeof tool.function?.name === 'string',
      );
    if (!wellFormed) return { message: "Invalid 'tools'.", param: 'tools' };
  }
  return undefined;
}

/**
 * An OpenAI-compatible server on a real socket, so the real `openai` SDK is
 * exercised end to end: `POST /v1/chat/completions` (JSON or SSE framed like
 * the real API, tool-call deltas with split arguments, the usage chunk when
 * `stream_options.include_usage` asks), `GET /v1/models`, bearer-key checks,
 * and scripted faults (429 with `retry-after`, 5xx, 401, slow, cut-off).
 */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const requests: OpenAiRequest[] = [];
  const replies: ScriptedReply[] = [];
  const faults: OpenAiFault[] = [];
  let acceptedKeys = options.apiKeys ? new Set(options.apiKeys) : undefined;
  const models = options.models ?? ['gpt-4o-mini', 'gpt-4o'];
  const defaultReply = options.defaultReply ?? echoReply;
  let sequence = 0;

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-request-id': `req_fake_${sequence}`,
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  /** Resolves after `ms`, or early with `false` when the client went away. */
  const wait = (res: ServerResponse, ms: number) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!res.destroyed);
      const timer = setTimeout(() => {
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, ms);
      const onClose = () => {
        clearTimeout(timer);
        resolve(false);
      };
      res.once('close', onClose);
    });

  const unauthorized = (req: IncomingMessage): { status: number; body: unknown } | undefined => {
    const authorization = req.headers.authorization ?? '';
    const key = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
    if (key === '')
      return {
        status: 401,
        body: openAiError(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          'invalid_request_error',
          null,
        ),
      };
    if (acceptedKeys && !acceptedKeys.has(key)) return invalidKey(key);
    return undefined;
  };

  const invalidKey = (key: string) => ({
    status: 401,
    body: openAiError(
      `Incorrect API key provided: ${maskedKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      'invalid_api_key',
    ),
  });

  const completion = async (req: IncomingMessage, res: ServerResponse, body: CompletionBody) => {
    const fault = faults.shift();
    if (fault?.type === 'rate_limited') {
      const retryAfter = fault.retryAfterS ?? 1;
      return sendJson(
        res,
        429,
        openAiError(
          `Rate limit reached for ${body.model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfter}s.`,
          'requests',
          'rate_limit_exceeded',
        ),
        { 'retry-after': String(retryAfter), 'x-ratelimit-remaining-requests': '0' },
      );
    }
    if (fault?.type === 'server_error')
      return sendJson(
        res,
        fault.status ?? 500,
        openAiError(
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
        ),
      );
    if (fault?.type === 'invalid_api_key') {
      const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/, '');
      const refused = invalidKey(key);
      return sendJson(res, refused.status, refused.body);
    }
    if (fault?.type === 'http') return sendJson(res, fault.status, fault.body, fault.headers);

    const reply = replies.shift() ?? defaultReply(body);
    const slow = fault?.type === 'slow' ? fault : undefined;
    const cut = fault?.type === 'cut' ? fault : undefined;
    const stallAfter = fault?.type === 'stall' ? fault.afterChunks : undefined;
    const model = reply.model ?? body.model;
    const id = `chatcmpl-fake${String(sequence).padStart(6, '0')}`;
    const created = Math.floor(Date.now() / 1000);
    const text = (reply.deltas ?? []).join('');
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
      ...call,
      id: call.id ?? `call_fake${sequence}_${index}`,
    }));
    const finishReason = reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
    const promptText = body.messages.map((message) => textOf(message.content)).join('\n');
    const completionText = text + toolCalls.map((call) => call.name + call.arguments).join('');
    const promptTokens = reply.usage?.prompt_tokens ?? estimateTokens(promptText);
    const completionTokens = reply.usage?.completion_tokens ?? estimateTokens(completionText);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };

    if (slow?.firstByteDelayMs && !(await wait(res, slow.firstByteDelayMs))) return;

    if (!body.stream) {
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: reply.deltas === undefined && toolCalls.length > 0 ? null : text,
        refusal: null,
        annotations: [],
      };
      if (toolCalls.length > 0)
        message.tool_calls = toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
        usage,
        system_fingerprint: 'fp_fake',
      });
    }

    const includeUsage = body.stream_options?.include_usage === true && !reply.omitUsage;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const events: unknown[] = [
      chunk(
        toolCalls.length > 0 && reply.deltas === undefined
          ? { role: 'assistant', content: null }
          : { role: 'assistant', content: '', refusal: null },
      ),
    ];
    for (const content of reply.deltas ?? []) events.push(chunk({ content }));
    for (const [index, call] of toolCalls.entries()) {
      events.push(
        chunk({
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        }),
      );
      for (const piece of call.argumentChunks ?? [call.arguments])
        events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
    events.push(chunk({}, finishReason));
    if (includeUsage)
      events.push({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_fake',
        choices: [],
        usage,
      });

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': `req_fake_${sequence}`,
    });
    for (const [index, event] of events.entries()) {
      if (cut && index >= cut.afterChunks) {
        // The chunks written so far have reached the socket: stop mid-stream, without [DONE].
        if (cut.graceful) res.end();
        else req.socket.destroy();
        return;
      }
      if (stallAfter !== undefined && index >= stallAfter) {
        if (!res.destroyed) await new Promise<void>((resolve) => res.once('close', () => resolve()));
        return;
      }
      if (index > 0 && slow?.chunkDelayMs && !(await wait(res, slow.chunkDelayMs))) return;
      if (res.destroyed) return;
      await new Promise<void>((resolve) => res.write(`data: ${JSON.stringify(event)}\n\n`, () => resolve()));
    }
    res.end('data: [DONE]\n\n');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const piece of req) chunks.push(piece as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = rawBody === '' ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const method = req.method ?? 'GET';
    requests.push({ method, path, headers: req.headers, body, rawBody });
    sequence += 1;

    const route = `${method} ${path}`;
    if (route !== 'POST /v1/chat/completions' && route !== 'GET /v1/models')
      return sendJson(
        res,
        404,
        openAiError(`Invalid URL (${method} ${path})`, 'invalid_request_error', null),
      );
    const refused = unauthorized(req);
    if (refused) return sendJson(res, refused.status, refused.body);
    if (route === 'GET /v1/models')
      return sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({
          id,
          object: 'model',
          created: 1_700_000_000,
          owned_by: 'switchboard-fake',
        })),
      });
    const problem = invalidBody(body);
    if (problem)
      return sendJson(
        res,
        400,
        openAiError(problem.message, 'invalid_request_error', null, problem.param || null),
      );
    return completion(req, res, body as CompletionBody);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, openAiError(String(error), 'server_error', null));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    completionRequests: () =>
      requests.filter((request) => request.method === 'POST' && request.path === '/v1/chat/completions'),
    enqueueReply: (...scripted) => {
      replies.push(...scripted);
    },
    enqueueFault: (...scripted) => {
      faults.push(...scripted);
    },
    acceptKeys: (keys) => {
      acceptedKeys = keys ? new Set(keys) : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
