import type { LlmInfo, TokenUsage } from '@switchboard/contracts/chat';
import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';
import { APIConnectionError, APIConnectionTimeoutError, APIError, OpenAI } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { CredentialSource } from './credential-source.js';
import {
  LlmError,
  type LlmEvent,
  type LlmMessage,
  type LlmProvider,
  type LlmRequest,
  type LlmToolCall,
} from './llm-port.js';

export interface OpenAiProviderOptions {
  credentials: CredentialSource;
  /** Retries of a refused or failed request (429, 5xx, connection errors), before the first byte only [3]. */
  maxRetries?: number;
  /** Receives the SDK's retry notices; never a key (the SDK logs no headers at these levels). */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

const defaultBaseUrl = 'https://api.openai.com/v1';
/** Provider error codes are short identifiers (`invalid_api_key`); anything else is not repeated. */
const safeCode = /^[A-Za-z0-9_.-]{1,64}$/;

function toSdkMessage(message: LlmMessage): ChatCompletionMessageParam {
  if (message.role === 'tool')
    return { role: 'tool', tool_call_id: message.tool_call_id, content: message.content };
  if (message.role === 'assistant' && message.tool_calls?.length) {
    return {
      role: 'assistant',
      content: message.content === '' ? null : message.content,
      tool_calls: message.tool_calls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      })),
    };
  }
  return { role: message.role, content: message.content };
}

/** About four characters a token: used only when the server reports no usage. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function promptText(messages: LlmMessage[]): string {
  return messages
    .map((message) =>
      message.role === 'assistant' && message.tool_calls
        ? message.content + message.tool_calls.map((call) => call.name + call.arguments).join('')
        : message.content,
    )
    .join('\n');
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the SDK sleeps between retries without watching it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * An LLM behind the official `openai` SDK: OpenAI itself or any compatible
 * server (`OPENAI_BASE_URL`). Streams with usage, assembles tool calls, lets
 * the SDK retry 429/5xx with backoff before the first byte, and bounds the
 * whole call by `LLM_TIMEOUT_MS`. Errors become LlmError kinds whose
 * messages never repeat the provider's text (a 401 there echoes part of the key).
 */
export function createOpenAiProvider(llm: Config['llm'], options: OpenAiProviderOptions): LlmProvider {
  const { credentials } = options;
  const baseURL = llm.baseUrl ?? defaultBaseUrl;
  const host = new URL(baseURL).host;
  const maxRetries = options.maxRetries ?? 3;
  let client: { apiKey: string; sdk: OpenAI } | undefined;

  const sdkFor = (apiKey: string): OpenAI => {
    if (client?.apiKey !== apiKey) {
      const logger = options.logger;
      client = {
        apiKey,
        sdk: new OpenAI({
          apiKey,
          baseURL,
          maxRetries,
          timeout: llm.timeoutMs,
          // Explicit nulls keep the SDK from reading OPENAI_ORG_ID/OPENAI_PROJECT_ID: config is read in one place.
          organization: null,
          project: null,
          logLevel: logger ? 'info' : 'off',
          ...(logger
            ? {
                logger: {
                  error: (message: string) => logger.error(message),
                  warn: (message: string) => logger.warn(message),
                  info: (message: string) => logger.info(message),
                  debug: () => undefined,
                },
              }
            : {}),
        }),
      };
    }
    return client.sdk;
  };

  const toLlmError = (error: unknown, deadline: AbortSignal, caller: AbortSignal | undefined): LlmError => {
    if (error instanceof LlmError) return error;
    if (deadline.aborted || error instanceof APIConnectionTimeoutError)
      return new LlmError(
        'timeout',
        `The LLM provider at ${host} did not answer within ${llm.timeoutMs} ms.`,
      );
    if (caller?.aborted) return new LlmError('upstream', 'The generation was cancelled.');
    if (error instanceof APIConnectionError)
      return new LlmError('upstream', `Could not reach the LLM provider at ${host}.`);
    if (error instanceof APIError) {
      const code = typeof error.code === 'string' && safeCode.test(error.code) ? `, ${error.code}` : '';
      const status = error.status;
      if (status === 401 || status === 403)
        return new LlmError(
          'auth',
          `The LLM provider at ${host} rejected the API key (HTTP ${status}${code}).`,
          status,
        );
      if (status === 429)
        return new LlmError(
          'rate_limited',
          `The LLM provider at ${host} is rate limiting requests (HTTP 429${code}); retries ran out.`,
          429,
        );
      if (status === undefined)
        return new LlmError(
          'upstream',
          `The LLM provider at ${host} reported an error mid-stream${code && ` (${code.slice(2)})`}.`,
        );
      return new LlmError('upstream', `The LLM provider at ${host} failed (HTTP ${status}${code}).`, status);
    }
    return new LlmError('upstream', `The LLM provider at ${host} broke off the stream.`);
  };

  const open = (apiKey: string, request: LlmRequest, signal: AbortSignal) => {
    const params: ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: request.messages.map(toSdkMessage),
      temperature: request.temperature,
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.maxTokens !== undefined) params.max_tokens = request.maxTokens;
    if (request.tools?.length)
      params.tools = request.tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
    return untilAborted(
      sdkFor(apiKey).chat.completions.create(params, { signal, timeout: llm.timeoutMs }),
      signal,
    );
  };

  /** Opens the stream; a rejected key is forgotten, and retried once when the credential source has a different one. */
  const openWithFreshKey = async (request: LlmRequest, signal: AbortSignal) => {
    const credential = await credentials.resolve();
    if (!credential.apiKey)
      throw new LlmError('auth', 'No OpenAI API key is configured (OPENAI_API_KEY or PAPITA_API_URL).');
    try {
      return await open(credential.apiKey, request, signal);
    } catch (error) {
      if (!(error instanceof APIError && (error.status === 401 || error.status === 403))) throw error;
      credentials.invalidate();
      const fresh = await credentials.resolve();
      if (!fresh.apiKey || fresh.apiKey === credential.apiKey) throw error;
      try {
        return await open(fresh.apiKey, request, signal);
      } catch (retryError) {
        if (retryError instanceof APIError && (retryError.status === 401 || retryError.status === 403))
          credentials.invalidate();
        throw retryError;
      }
    }
  };

  return {
    async info(): Promise<LlmInfo> {
      const credential = await credentials.resolve();
      return {
        provider: 'openai',
        model: llm.model,
        base_url_host: host,
        configured: credential.apiKey !== undefined,
        credential_source: credential.source,
        offline: false,
      };
    },

    async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), llm.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
      try {
        const calls = new Map<number, LlmToolCall>();
        let text = '';
        let model = request.model;
        let finishReason: string | undefined;
        let usage: ChatCompletionChunk['usage'];
        try {
          const stream = await openWithFreshKey(request, signal);
          for await (const chunk of stream) {
            if (chunk.model) model = chunk.model;
            if (chunk.usage) usage = chunk.usage;
            const choice = chunk.choices.find((candidate) => candidate.index === 0);
            if (!choice) continue;
            if (choice.delta.content) {
              text += choice.delta.content;
              yield { type: 'delta', content: choice.delta.content };
            }
            for (const part of choice.delta.tool_calls ?? []) {
              const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
              if (part.id) call.id = part.id;
              if (part.function?.name) call.name += part.function.name;
              if (part.function?.arguments) call.arguments += part.function.arguments;
              calls.set(part.index, call);
            }
            if (choice.finish_reason) finishReason = choice.finish_reason;
          }
        } catch (error) {
          throw toLlmError(error, deadline.signal, request.signal);
        }
        // The SDK ends a stream quietly when its signal aborts, so a deadline or cancel shows up only here.
        if (deadline.signal.aborted || request.signal?.aborted)
          throw toLlmError(undefined, deadline.signal, request.signal);
        if (finishReason === undefined)
          throw new LlmError('upstream', `The LLM provider at ${host} closed the stream before it finished.`);

        const toolCalls = [...calls.entries()]
          .sort(([a], [b]) => a - b)
          .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
        for (const call of toolCalls) yield { type: 'tool_call', call };

        // Servers that ignore `stream_options.include_usage` send no usage: estimate it
        // (about four characters a token) so every turn still records tokens and cost.
        const tokens: TokenUsage = usage
          ? {
              prompt_tokens: usage.prompt_tokens,
              completion_tokens: usage.completion_tokens,
              total_tokens: usage.total_tokens,
            }
          : (() => {
              const prompt = estimateTokens(promptText(request.messages));
              const completion = estimateTokens(
                text + toolCalls.map((call) => call.name + call.arguments).join(''),
              );
              return {
                prompt_tokens: prompt,
                completion_tokens: completion,
                total_tokens: prompt + completion,
              };
            })();
        yield { type: 'done', model, usage: tokens, finishReason };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
