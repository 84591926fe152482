import { loadConfig } from '@switchboard/runtime/config';
import { type FakeHttpServer, startFakeHttpServer } from '@switchboard/testkit/fake-http-server';
import { type FakeOpenAi, startFakeOpenAi } from '@switchboard/testkit/fake-openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialSource } from './credential-source.js';
import { LlmError, type LlmEvent, type LlmProvider, type LlmRequest } from './llm-port.js';
import { createOpenAiProvider } from './openai-provider.js';

const envKey = 'sk-env-key-0123456789abcdef';

function llmConfig(fake: FakeOpenAi, overrides: Record<string, string> = {}) {
  return loadConfig({
    LLM_PROVIDER: 'openai',
    OPENAI_API_KEY: envKey,
    OPENAI_BASE_URL: fake.baseUrl,
    LLM_TIMEOUT_MS: '5000',
    ...overrides,
  }).llm;
}

function providerFor(fake: FakeOpenAi, overrides: Record<string, string> = {}): LlmProvider {
  const llm = llmConfig(fake, overrides);
  return createOpenAiProvider(llm, { credentials: createCredentialSource(llm) });
}

function request(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: 'gpt-4o-mini',
    temperature: 0.3,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ],
    grounding: { assistant: 'general', userMessage: 'Say hello', passages: [] },
    ...overrides,
  };
}

async function run(provider: LlmProvider, input: LlmRequest = request()) {
  const events: LlmEvent[] = [];
  let error: unknown;
  try {
    for await (const event of provider.stream(input)) events.push(event);
  } catch (caught) {
    error = caught;
  }
  return {
    events,
    error,
    text: events.map((event) => (event.type === 'delta' ? event.content : '')).join(''),
  };
}

describe('OpenAI provider (real SDK against the fake server)', () => {
  let fake: FakeOpenAi;
  beforeEach(async () => {
    fake = await startFakeOpenAi();
  });
  afterEach(() => fake.close());

  it('streams deltas in order, then done with the server usage, from a well-formed request', async () => {
    fake.enqueueReply({
      deltas: ['Hel', 'lo', ', ', 'world'],
      usage: { prompt_tokens: 12, completion_tokens: 4 },
    });
    const { events, error } = await run(providerFor(fake), request({ maxTokens: 50 }));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'delta', content: 'Hel' },
      { type: 'delta', content: 'lo' },
      { type: 'delta', content: ', ' },
      { type: 'delta', content: 'world' },
      {
        type: 'done',
        model: 'gpt-4o-mini',
        usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
        finishReason: 'stop',
      },
    ]);
    const [sent] = fake.completionRequests();
    expect(sent!.headers.authorization).toBe(`Bearer ${envKey}`);
    expect(sent!.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.3,
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
  });

  it('assembles tool calls from split argument chunks and sends tools and tool results in the API shape', async () => {
    fake.enqueueReply({
      deltas: ['Let me ask.'],
      toolCalls: [
        {
          id: 'call_a',
          name: 'request_human_feedback',
          arguments: '{"question":"Ship it?","options":["approve","reject"]}',
          argumentChunks: ['{"quest', 'ion":"Ship it?",', '"options":["approve",', '"reject"]}'],
        },
        { id: 'call_b', name: 'lookup', arguments: '{}', argumentChunks: ['{', '}'] },
      ],
    });
    const input = request({
      tools: [
        { name: 'request_human_feedback', description: 'Ask a person', parameters: { type: 'object' } },
      ],
      messages: [
        { role: 'user', content: 'Deploy' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', name: 'lookup', arguments: '{}' }] },
        { role: 'tool', tool_call_id: 'call_0', content: 'nothing' },
      ],
    });
    const { events, error } = await run(providerFor(fake), input);
    expect(error).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(['delta', 'tool_call', 'tool_call', 'done']);
    expect(events[1]).toEqual({
      type: 'tool_call',
      call: {
        id: 'call_a',
        name: 'request_human_feedback',
        arguments: '{"question":"Ship it?","options":["approve","reject"]}',
      },
    });
    expect(events[2]).toEqual({ type: 'tool_call', call: { id: 'call_b', name: 'lookup', arguments: '{}' } });
    expect(events[3]).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    expect(fake.completionRequests()[0]!.body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'request_human_feedback',
            description: 'Ask a person',
            parameters: { type: 'object' },
          },
        },
      ],
      messages: [
        { role: 'user', content: 'Deploy' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_0', content: 'nothing' },
      ],
    });
  });

  it('estimates usage when the server sends none', async () => {
    fake.enqueueReply({ deltas: ['12345678'], omitUsage: true });
    const { events } = await run(providerFor(fake));
    expect(events.at(-1)).toMatchObject({
      type: 'done',
      usage: { prompt_tokens: Math.ceil('Be brief.\nSay hello'.length / 4), completion_tokens: 2 },
    });
  });

  it('retries a 429 and succeeds', async () => {
    fake.enqueueFault({ type: 'rate_limited', retryAfterS: 0 });
    fake.enqueueReply({ deltas: ['ok'] });
    const { text, error } = await run(providerFor(fake));
    expect(error).toBeUndefined();
    expect(text).toBe('ok');
    expect(fake.completionRequests()).toHaveLength(2);
  });

  it('gives up after the retries on repeated 429s with rate_limited', async () => {
    fake.enqueueFault(
      ...Array.from({ length: 4 }, () => ({ type: 'rate_limited' as const, retryAfterS: 0 })),
    );
    const { events, error } = await run(providerFor(fake));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(fake.completionRequests()).toHaveLength(4);
  });

  it('retries a 500 and succeeds', async () => {
    fake.enqueueFault({ type: 'server_error' });
    fake.enqueueReply({ deltas: ['fine'] });
    const { text, error } = await run(providerFor(fake));
    expect(error).toBeUndefined();
    expect(text).toBe('fine');
    expect(fake.completionRequests()).toHaveLength(2);
  });

  it('maps a 401 to auth, once, without the key in the message', async () => {
    fake.enqueueFault({ type: 'invalid_api_key' });
    const { error } = await run(providerFor(fake));
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    const message = (error as LlmError).message;
    expect(message).not.toContain(envKey);
    expect(message).not.toContain(`${envKey.slice(0, 3)}***`);
    expect(message).not.toContain(envKey.slice(-4));
    expect(fake.completionRequests()).toHaveLength(1);
  });

  it('reports a stream cut mid-way as upstream, after the deltas that arrived', async () => {
    fake.enqueueFault({ type: 'cut', afterChunks: 3 });
    fake.enqueueReply({ deltas: ['one ', 'two ', 'three ', 'four'] });
    const { events, error } = await run(providerFor(fake));
    expect(events).toEqual([
      { type: 'delta', content: 'one ' },
      { type: 'delta', content: 'two ' },
    ]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'upstream' });
    expect(fake.completionRequests()).toHaveLength(1);
  });

  it('reports a stream that ends cleanly but early (no finish_reason) as upstream', async () => {
    fake.enqueueFault({ type: 'cut', afterChunks: 2, graceful: true });
    fake.enqueueReply({ deltas: ['partial ', 'rest'] });
    const { events, error } = await run(providerFor(fake));
    expect(events).toEqual([{ type: 'delta', content: 'partial ' }]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'upstream' });
    expect((error as LlmError).message).toMatch(/before it finished/);
  });

  it('times out when the first byte is later than LLM_TIMEOUT_MS', async () => {
    fake.enqueueFault({ type: 'slow', firstByteDelayMs: 10_000 });
    const { events, error } = await run(providerFor(fake, { LLM_TIMEOUT_MS: '300' }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('times out when a stream stalls after some deltas', async () => {
    fake.enqueueFault({ type: 'stall', afterChunks: 2 });
    fake.enqueueReply({ deltas: ['first ', 'never'] });
    const { events, error } = await run(providerFor(fake, { LLM_TIMEOUT_MS: '300' }));
    expect(events).toEqual([{ type: 'delta', content: 'first ' }]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('stops with an error when the caller aborts', async () => {
    fake.enqueueFault({ type: 'slow', chunkDelayMs: 10_000 });
    const controller = new AbortController();
    const pending = run(providerFor(fake), request({ signal: controller.signal }));
    controller.abort();
    const { error } = await pending;
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'upstream', message: 'The generation was cancelled.' });
  });

  it('info names provider, model, host and source, never the key', async () => {
    const info = await providerFor(fake).info();
    expect(info).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      base_url_host: new URL(fake.url).host,
      configured: true,
      credential_source: 'local_env',
      offline: false,
    });
    expect(JSON.stringify(info)).not.toContain(envKey.slice(0, 7));
  });
});

describe('OpenAI provider with the credential endpoint (PAPITA_API_URL)', () => {
  let fake: FakeOpenAi;
  let papita: FakeHttpServer;
  beforeEach(async () => {
    fake = await startFakeOpenAi();
    papita = await startFakeHttpServer();
  });
  afterEach(async () => {
    await fake.close();
    await papita.close();
  });
  const papitaCalls = () => papita.requests.filter((r) => r.path === '/api/credentials/global/openai');

  it('sends the key from the endpoint as the bearer, caches it, and reports papita_api without the key', async () => {
    papita.on('GET', '/api/credentials/global/openai', () => ({
      body: { credentials: { credentials: { api_key: 'sk-test' } } },
    }));
    fake.acceptKeys(['sk-test']);
    const provider = providerFor(fake, { PAPITA_API_URL: papita.url });
    expect((await run(provider)).error).toBeUndefined();
    expect((await run(provider)).error).toBeUndefined();
    expect(fake.completionRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer sk-test',
      'Bearer sk-test',
    ]);
    const info = await provider.info();
    expect(info).toMatchObject({ configured: true, credential_source: 'papita_api' });
    expect(JSON.stringify(info)).not.toContain('sk-');
    expect(papitaCalls()).toHaveLength(1);
  });

  it('falls back to OPENAI_API_KEY when the endpoint is unreachable', async () => {
    const gone = await startFakeHttpServer();
    await gone.close();
    const provider = providerFor(fake, { PAPITA_API_URL: gone.url });
    expect((await run(provider)).error).toBeUndefined();
    expect(fake.completionRequests()[0]!.headers.authorization).toBe(`Bearer ${envKey}`);
    expect(await provider.info()).toMatchObject({ configured: true, credential_source: 'local_env' });
  });

  it('after a 401, asks the endpoint again and retries once with a rotated key', async () => {
    const served = ['sk-old-rotated-away', 'sk-new-current-key'];
    papita.on('GET', '/api/credentials/global/openai', () => ({ body: { api_key: served.shift() } }));
    fake.acceptKeys(['sk-new-current-key']);
    const { text, error } = await run(providerFor(fake, { PAPITA_API_URL: papita.url }));
    expect(error).toBeUndefined();
    expect(text).toBe('Echo: Say hello');
    expect(fake.completionRequests().map((r) => r.headers.authorization)).toEqual([
      'Bearer sk-old-rotated-away',
      'Bearer sk-new-current-key',
    ]);
    expect(papitaCalls()).toHaveLength(2);
  });

  it('without any key: auth error, no request, and info says not configured', async () => {
    papita.on('GET', '/api/credentials/global/openai', () => ({
      status: 404,
      body: { error: 'no credential' },
    }));
    const llm = loadConfig({
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      PAPITA_API_URL: papita.url,
    }).llm;
    const provider = createOpenAiProvider(llm, { credentials: createCredentialSource(llm) });
    const { error } = await run(provider);
    expect(error).toMatchObject({ kind: 'auth' });
    expect(fake.completionRequests()).toHaveLength(0);
    expect(await provider.info()).toMatchObject({ configured: false, credential_source: 'none' });
  });
});
