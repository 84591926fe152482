import { type FakeReply, type RecordedRequest, startFakeHttpServer } from './fake-http-server.js';

/** A message as the fake workspace holds it. */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  metadata: { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
  /** How many times `chat.update` rewrote it. */
  edits: number;
}

/** One Web API call, after the token check. */
export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
}

/** What the next calls answer instead of success: a Slack error (HTTP 200 `ok:false`) or an HTTP status. */
export type SlackFailure = { error: string } | { httpStatus: number; retryAfterS?: number };

export interface FakeSlack {
  /** Base URL of the Web API, with the trailing slash (`SLACK_API_URL`). */
  apiUrl: string;
  token: string;
  /** Accepted calls, in order (a refused token is not a call). */
  calls: SlackCall[];
  /** Messages by `ts`. */
  messages: Map<string, SlackMessage>;
  /** Views opened with `views.open`. */
  views: Array<Record<string, unknown>>;
  /** Posted messages grouped by `metadata.event_payload.idempotency_key`, to assert exactly-once. */
  postedByIdempotencyKey(): Map<string, SlackMessage[]>;
  /** Answer the next `count` calls (of `method`, or any) with `failure`. */
  failNext(count: number, failure?: SlackFailure, method?: string): void;
  close(): Promise<void>;
}

const botUserId = 'U0SWITCHBD';
const channelId = /^[CDGUW][A-Z0-9]{2,31}$/;

/**
 * The Slack Web API methods Switchboard calls, on a real socket: bearer-token
 * check (`not_authed`/`invalid_auth`), HTTP 200 with `ok:false` for API
 * errors, 429 with `Retry-After` for rate limits, and messages kept so
 * `chat.update` edits what `chat.postMessage` created.
 */
export async function startFakeSlack(options: { token?: string } = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-fake-token';
  const calls: SlackCall[] = [];
  const messages = new Map<string, SlackMessage>();
  const views: Array<Record<string, unknown>> = [];
  let failure: { remaining: number; failure: SlackFailure; method: string | undefined } | undefined;
  let sequence = 0;

  const nextTs = () => {
    sequence += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, '0')}`;
  };

  const messageView = (message: SlackMessage) => ({
    type: 'message',
    user: botUserId,
    bot_id: 'B0SWITCHBD',
    text: message.text ?? '',
    ts: message.ts,
    blocks: message.blocks,
    metadata: message.metadata,
  });

  type Method = (body: Record<string, unknown>) => Record<string, unknown>;
  const methods: Record<string, Method> = {
    'auth.test': () => ({
      url: 'https://switchboard-fake.slack.com/',
      team: 'Switchboard Fake',
      user: 'switchboard',
      team_id: 'T0SWITCHBD',
      user_id: botUserId,
      bot_id: 'B0SWITCHBD',
    }),
    'chat.postMessage': (body) => {
      const target = body.channel;
      if (typeof target !== 'string' || !channelId.test(target))
        return { ok: false, error: 'channel_not_found' };
      if (body.text === undefined && body.blocks === undefined) return { ok: false, error: 'no_text' };
      // Posting to a user id opens the bot's direct message with them, as Slack does.
      const channel = target.startsWith('U') || target.startsWith('W') ? `D${target.slice(1)}` : target;
      const message: SlackMessage = {
        channel,
        ts: nextTs(),
        text: body.text as string | undefined,
        blocks: body.blocks as unknown[] | undefined,
        metadata: body.metadata as SlackMessage['metadata'],
        edits: 0,
      };
      messages.set(message.ts, message);
      return { channel, ts: message.ts, message: messageView(message) };
    },
    'chat.update': (body) => {
      const message = typeof body.ts === 'string' ? messages.get(body.ts) : undefined;
      if (!message || message.channel !== body.channel) return { ok: false, error: 'message_not_found' };
      if (body.text !== undefined) message.text = body.text as string;
      if (body.blocks !== undefined) message.blocks = body.blocks as unknown[];
      message.edits += 1;
      return { channel: message.channel, ts: message.ts, text: message.text, message: messageView(message) };
    },
    'views.open': (body) => {
      if (typeof body.trigger_id !== 'string') return { ok: false, error: 'invalid_trigger_id' };
      if (typeof body.view !== 'object' || body.view === null)
        return { ok: false, error: 'invalid_arguments' };
      const view = { id: `V${String(views.length + 1).padStart(8, '0')}`, ...(body.view as object) };
      views.push(view);
      return { view };
    },
  };

  const answer = (method: string, request: RecordedRequest): FakeReply => {
    const authorization = request.headers.authorization;
    if (!authorization) return { body: { ok: false, error: 'not_authed' } };
    if (authorization !== `Bearer ${token}`) return { body: { ok: false, error: 'invalid_auth' } };
    if (failure && failure.remaining > 0 && (failure.method === undefined || failure.method === method)) {
      failure.remaining -= 1;
      const scripted = failure.failure;
      if ('error' in scripted) return { body: { ok: false, error: scripted.error } };
      return {
        status: scripted.httpStatus,
        headers: scripted.retryAfterS === undefined ? {} : { 'retry-after': String(scripted.retryAfterS) },
        body: scripted.httpStatus === 429 ? { ok: false, error: 'ratelimited' } : 'upstream error',
      };
    }
    let body: Record<string, unknown>;
    try {
      body = request.body === '' ? {} : request.json<Record<string, unknown>>();
    } catch {
      return { body: { ok: false, error: 'invalid_json' } };
    }
    calls.push({ method, body });
    const result = methods[method]!(body);
    return { body: { ok: true, ...result } };
  };

  const server = await startFakeHttpServer(
    Object.fromEntries(
      Object.keys(methods).map((method) => [
        `POST /api/${method}`,
        (request: RecordedRequest) => answer(method, request),
      ]),
    ),
  );

  return {
    apiUrl: `${server.url}/api/`,
    token,
    calls,
    messages,
    views,
    postedByIdempotencyKey() {
      const byKey = new Map<string, SlackMessage[]>();
      for (const message of messages.values()) {
        const key = message.metadata?.event_payload?.idempotency_key;
        if (typeof key !== 'string') continue;
        byKey.set(key, [...(byKey.get(key) ?? []), message]);
      }
      return byKey;
    },
    failNext(count, scripted = { error: 'internal_error' }, method) {
      failure = { remaining: count, failure: scripted, method };
    },
    close: () => server.close(),
  };
}
