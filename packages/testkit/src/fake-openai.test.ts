import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAi, startFakeOpenAi } from './fake-openai.js';

type Chunk = {
  object: string;
  model: string;
  choices: Array<{
    delta: {
      role?: string;
      content?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: string;
        function: { name?: string; arguments: string };
      }>;
    };
    finish_reason: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
};

describe('startFakeOpenAi', () => {
  let fake: FakeOpenAi;
  beforeEach(async () => {
    fake = await startFakeOpenAi();
  });
  afterEach(() => fake.close());

  const post = (body: object, key = 'sk-any') =>
    fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
  const request = (extra: object = {}) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hello there' }],
    ...extra,
  });
  /** The SSE frames of a response, exactly as sent. */
  const frames = async (response: Response) => {
    const text = await response.text();
    expect(text.endsWith('\n\n')).toBe(true);
    return text.slice(0, -2).split('\n\n');
  };
  const chunksOf = (raw: string[]) =>
    raw
      .filter((frame) => frame !== 'data: [DONE]')
      .map((frame) => JSON.parse(frame.slice('data: '.length)) as Chunk);

  it('streams text as SSE frames like the real API, with the usage chunk when asked, then [DONE]', async () => {
    fake.enqueueReply({ deltas: ['Hel', 'lo', ' world'], usage: { prompt_tokens: 7, completion_tokens: 3 } });
    const response = await post(request({ stream: true, stream_options: { include_usage: true } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = await frames(response);
    expect(raw.every((frame) => frame.startsWith('data: '))).toBe(true);
    expect(raw.at(-1)).toBe('data: [DONE]');
    const chunks = chunksOf(raw);
    expect(
      chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'gpt-4o-mini'),
    ).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.slice(1, 4).map((chunk) => chunk.choices[0]!.delta.content)).toEqual([
      'Hel',
      'lo',
      ' world',
    ]);
    expect(chunks[4]!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks[5]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
    expect(chunks).toHaveLength(6);
  });

  it('leaves the usage chunk out unless include_usage asks for it', async () => {
    const chunks = chunksOf(await frames(await post(request({ stream: true }))));
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]!.delta.content ?? '').join('')).toBe('Echo: hello there');
  });

  it('streams tool calls with their arguments split across chunks', async () => {
    fake.enqueueReply({
      toolCalls: [
        { id: 'call_1', name: 'lookup', arguments: '{"q":"x"}', argumentChunks: ['{"q"', ':"x"}'] },
      ],
    });
    const chunks = chunksOf(await frames(await post(request({ stream: true }))));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]!.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'call_1',
      type: 'function',
      function: { name: 'lookup', arguments: '' },
    });
    expect(calls.slice(1).map((call) => call.function.arguments)).toEqual(['{"q"', ':"x"}']);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('answers a non-streaming call with a chat.completion and usage', async () => {
    fake.enqueueReply({ toolCalls: [{ id: 'call_2', name: 'lookup', arguments: '{}' }] });
    const body = await (await post(request())).json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
          },
        },
      ],
      usage: { total_tokens: expect.any(Number) },
    });
  });

  it('injects faults, one per request, then answers normally', async () => {
    fake.enqueueFault(
      { type: 'rate_limited', retryAfterS: 2 },
      { type: 'server_error' },
      { type: 'invalid_api_key' },
    );
    const limited = await post(request(), 'sk-secret-value-1234');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const failed = await post(request());
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { type: 'server_error' } });
    const refused = await post(request(), 'sk-secret-value-1234');
    expect(refused.status).toBe(401);
    const refusal = (await refused.json()) as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe('invalid_api_key');
    expect(refusal.error.message).not.toContain('sk-secret-value-1234');
    expect((await post(request())).status).toBe(200);
    expect(fake.completionRequests()).toHaveLength(4);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-secret-value-1234');
  });

  it('cuts a stream after N chunks without [DONE]', async () => {
    fake.enqueueFault({ type: 'cut', afterChunks: 2 });
    fake.enqueueReply({ deltas: ['a', 'b', 'c', 'd'] });
    const response = await post(request({ stream: true }));
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const failure = await (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return undefined;
          received += decoder.decode(value, { stream: true });
        }
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(Error);
    expect(received.split('\n\n').filter((frame) => frame.startsWith('data: '))).toHaveLength(2);
    expect(received).not.toContain('[DONE]');
  });

  it('checks keys, validates bodies, lists models and records requests', async () => {
    fake.acceptKeys(['sk-good']);
    expect((await post(request(), 'sk-bad')).status).toBe(401);
    const anonymous = await fetch(`${fake.baseUrl}/models`);
    expect(anonymous.status).toBe(401);
    const models = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: 'Bearer sk-good' } });
    const listed = (await models.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(listed.object).toBe('list');
    expect(listed.data.map((model) => `${model.object}:${model.id}`)).toEqual([
      'model:gpt-4o-mini',
      'model:gpt-4o',
    ]);
    const invalid = await post(
      { model: 'gpt-4o-mini', messages: [{ role: 'tool', content: 'x' }] },
      'sk-good',
    );
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect((await fetch(`${fake.url}/v2/elsewhere`)).status).toBe(404);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/chat/completions',
      'GET /v1/models',
      'GET /v1/models',
      'POST /v1/chat/completions',
      'GET /v2/elsewhere',
    ]);
    expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini' });
  });
});
