import type { Citation, LlmInfo, TokenUsage } from '@switchboard/contracts/chat';

/** A call to a tool the model asked for; `arguments` is the model's JSON text, unparsed. */
export interface LlmToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type LlmMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: LlmToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A tool offered to the model: its parameters as JSON Schema. */
export interface LlmTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * What the turn is about, beside the prompt: the offline provider answers
 * from this alone (no model), and a real provider ignores it.
 */
export interface Grounding {
  assistant: string;
  /** The user's message of this turn (after attached files were folded in). */
  userMessage: string;
  /** Retrieved knowledge passages, best first. */
  passages: Citation[];
  /** Lead slots: which are still missing, and what is known. */
  slots?: { missing: string[]; collected: Record<string, string> };
  /** Live facts the assistant may state (the dispatch assistant's events and contacts), one per line. */
  facts?: string[];
  /** Names of files attached to this turn. */
  attachedFiles?: string[];
  /** Words in a user message that make the offline agent ask a human before acting. */
  askHumanWhen?: string[];
  /** The assistant's own sentences for the offline provider (its profile's `offline` block); defaults otherwise. */
  offlineVoice?: {
    noKnowledge?: string;
    aiDisclosure?: string;
    slotQuestions?: Record<string, string>;
    wrapUp?: string;
  };
}

export interface LlmRequest {
  model: string;
  temperature: number;
  maxTokens?: number;
  messages: LlmMessage[];
  tools?: LlmTool[];
  grounding: Grounding;
  signal?: AbortSignal;
}

/**
 * The events of one generation, the same for every provider: text deltas in
 * order, then the tool calls the model asked for (if any), then `done`.
 */
export type LlmEvent =
  | { type: 'delta'; content: string }
  | { type: 'tool_call'; call: LlmToolCall }
  | { type: 'done'; model: string; usage: TokenUsage; finishReason: string };

/**
 * A failed generation. `upstream`: the provider refused or broke (SPEC §4 →
 * 502); `timeout`: no answer in time (→ 504); `auth`: the provider rejected
 * the key (→ 502 `upstream_auth`); `rate_limited`: 429 after the retries.
 */
export class LlmError extends Error {
  constructor(
    readonly kind: 'upstream' | 'timeout' | 'auth' | 'rate_limited',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

export interface LlmProvider {
  info(): Promise<LlmInfo>;
  /** Throws LlmError, before or after some events, when the generation fails. */
  stream(request: LlmRequest): AsyncIterable<LlmEvent>;
}
