import type { TokenUsage } from '@switchboard/contracts/chat';
import {
  LlmError,
  type LlmEvent,
  type LlmProvider,
  type LlmRequest,
  type LlmToolCall,
} from '../llm/llm-port.js';
import type { TurnEvents } from './turn-events.js';

export interface Generation {
  text: string;
  model: string;
  usage: TokenUsage;
  toolCalls: LlmToolCall[];
  error?: LlmError;
}

export const noUsage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

function asLlmError(error: unknown): LlmError {
  if (error instanceof LlmError) return error;
  return new LlmError('upstream', error instanceof Error ? error.message : 'The model call failed.');
}

/**
 * Text deltas go out in small batches: each batch is one event in the
 * session's stream (which keeps about a thousand) and one frame on every
 * socket, and a model can send a token at a time. A batch leaves when it
 * holds `flushAtChars` characters or has waited `flushAfterMs`.
 */
const flushAfterMs = 30;
const flushAtChars = 80;

class DeltaBatches {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private sent: Promise<void> = Promise.resolve();

  constructor(private readonly events: TurnEvents) {}

  async add(content: string): Promise<void> {
    this.pending += content;
    if (this.pending.length >= flushAtChars) return this.flush();
    // A failure surfaces at the final flush, which awaits every send before it.
    this.timer ??= setTimeout(() => this.flush().catch(() => undefined), flushAfterMs);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending !== '') {
      const content = this.pending;
      this.pending = '';
      this.sent = this.sent.then(() => this.events.emit('chunk', { content }));
    }
    return this.sent;
  }
}

/**
 * Runs one provider call, passing its text on as `chunk` events as it
 * arrives. A failure part-way keeps what was generated and says why, so the
 * turn can store the partial reply and end with an error event.
 */
export async function generate(
  provider: LlmProvider,
  request: LlmRequest,
  events: TurnEvents,
): Promise<Generation> {
  const generation: Generation = { text: '', model: request.model, usage: noUsage, toolCalls: [] };
  const batches = new DeltaBatches(events);
  try {
    for await (const event of provider.stream(request) as AsyncIterable<LlmEvent>) {
      switch (event.type) {
        case 'delta':
          if (event.content === '') break;
          generation.text += event.content;
          await batches.add(event.content);
          break;
        case 'tool_call':
          generation.toolCalls.push(event.call);
          break;
        case 'done':
          generation.model = event.model;
          generation.usage = event.usage;
          break;
      }
    }
  } catch (error) {
    generation.error = asLlmError(error);
  }
  await batches.flush();
  return generation;
}
