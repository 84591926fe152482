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
 * Runs one provider call, passing each text delta on as a `chunk` event as it
 * arrives. A failure part-way keeps what was generated and says why, so the
 * turn can store the partial reply and end with an error event.
 */
export async function generate(
  provider: LlmProvider,
  request: LlmRequest,
  events: TurnEvents,
): Promise<Generation> {
  const generation: Generation = { text: '', model: request.model, usage: noUsage, toolCalls: [] };
  try {
    for await (const event of provider.stream(request) as AsyncIterable<LlmEvent>) {
      switch (event.type) {
        case 'delta':
          if (event.content === '') break;
          generation.text += event.content;
          await events.emit('chunk', { content: event.content });
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
  return generation;
}
