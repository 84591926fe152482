import {
  type Citation,
  leadPassedOnMessage,
  type TokenUsage,
  type TurnError,
  type TurnPayload,
  type TurnResult,
  type UsageLogPayload,
} from '@switchboard/contracts/chat';
import type { Logger } from '@switchboard/runtime/logger';
import type { ChatHistoryStore } from '@switchboard/stores/chat-history';
import type { SessionRecord, SessionStore } from '@switchboard/stores/sessions';
import type { UsageStore } from '@switchboard/stores/usage';
import type { LlmError } from '../llm/llm-port.js';
import { costsOf, type PriceTable } from '../usage/pricing.js';
import type { Generation } from './generation.js';
import type { LeadCapture, LeadProgress } from './lead-capture.js';
import type { TurnEvents } from './turn-events.js';

export interface TurnCompletionDeps {
  sessions: SessionStore;
  history: ChatHistoryStore;
  usage: UsageStore;
  prices: PriceTable;
  lead: LeadCapture;
  /**
   * Hands a turn's usage to 002's usage service when one is configured
   * (PAPITA_API_URL); `key` names the turn, so a retried turn reports once.
   */
  reportUsage?: (key: string, entry: UsageLogPayload, requestId: string) => Promise<void>;
  /** Appends a `turn` line to the daily session log. */
  logTurn: (entry: Record<string, unknown>) => Promise<void>;
  logger: Logger;
}

const errorCodes: Record<LlmError['kind'], TurnError['code']> = {
  upstream: 'SB_UPSTREAM',
  auth: 'SB_UPSTREAM',
  rate_limited: 'SB_UPSTREAM',
  timeout: 'SB_TIMEOUT',
};

/** A provider failure as the turn's error (SPEC §4: failures → 502, timeouts → 504; 002's `upstream_auth`). */
function turnErrorOf(error: LlmError): TurnError {
  const messages: Record<LlmError['kind'], string> = {
    upstream: 'The language model failed to answer; please try again.',
    auth: 'The language model refused our credentials; an administrator must fix the API key.',
    rate_limited: 'The language model is rate limiting us; please try again in a minute.',
    timeout: 'The language model did not answer in time; please try again.',
  };
  const reason =
    error.kind === 'auth' ? 'upstream_auth' : error.kind === 'rate_limited' ? 'rate_limited' : undefined;
  return { code: errorCodes[error.kind], message: messages[error.kind], ...(reason ? { reason } : {}) };
}

export interface Reply {
  generation: Generation;
  usage: TokenUsage;
  awaiting?: { request_id: string };
}

export interface CompletionInput {
  payload: TurnPayload;
  session: SessionRecord | null;
  events: TurnEvents;
  reply: Reply;
  citations: Citation[];
  lead: LeadProgress | null;
  requestId: string;
  jobId: string;
  /** The reply is in the history already (a retried turn). */
  replyStored?: boolean;
}

/**
 * The end of every turn, however its reply came about: the reply stored
 * (unless the session went meanwhile), usage recorded and reported, the lead
 * completed, the session kept alive, the outcome told as events and logged.
 */
export class TurnCompletion {
  constructor(private readonly deps: TurnCompletionDeps) {}

  async complete(input: CompletionInput): Promise<TurnResult> {
    const { payload, session, events, reply, citations, lead, requestId } = input;
    const { generation, usage, awaiting } = reply;
    const now = new Date().toISOString();
    const costs = costsOf(this.deps.prices, generation.model, usage);
    const costUsd = costs?.total_usd ?? null;
    const error = generation.error ? turnErrorOf(generation.error) : undefined;
    if (generation.error) {
      this.deps.logger.warn({ err: generation.error, turnId: payload.turn_id }, 'model call failed');
    }

    // A session deleted while its reply was generated stays deleted: nothing is written back.
    const stillThere =
      session !== null && (await this.deps.sessions.get(session.id))?.token_nonce === session.token_nonce;
    if (stillThere && generation.text !== '' && !input.replyStored) {
      await this.deps.history.append(session.id, {
        id: `${payload.turn_id}:assistant`,
        role: 'assistant',
        content: generation.text,
        timestamp: now,
        turn_id: payload.turn_id,
        model: generation.model,
        usage,
        cost_usd: costUsd,
        ...(citations.length > 0 ? { citations } : {}),
        ...(error ? { incomplete: true } : {}),
        ...(awaiting ? { feedback_request_id: awaiting.request_id } : {}),
      });
    }
    const usageKey = session ? `${session.id}:${payload.turn_id}` : input.jobId;
    await this.deps.usage.record(usageKey, {
      model: generation.model,
      usage,
      cost_usd: costUsd,
      prompt_cost_usd: costs?.prompt_usd ?? null,
      completion_cost_usd: costs?.completion_usd ?? null,
      at: new Date(now),
    });
    await this.deps.reportUsage?.(
      usageKey,
      {
        userId: payload.caller?.user_id ?? null,
        username: payload.caller?.username ?? 'guest',
        isGuest: payload.caller === undefined,
        sessionId: session?.id ?? null,
        projectId: 'al-chat',
        model: generation.model,
        inputTokens: usage.prompt_tokens,
        outputTokens: usage.completion_tokens,
        totalTokens: usage.total_tokens,
      },
      requestId,
    );

    let emailSent = false;
    if (stillThere && lead?.isComplete && !error) {
      const completion = await this.deps.lead.completeIfReady(session, payload.turn_id, requestId);
      emailSent = completion.emailQueued;
    }
    if (stillThere) await this.deps.sessions.touch(session.id);
    if (stillThere && lead) await this.deps.lead.touch(session.id);

    const leadFields = lead ? { data_collected: lead.dataCollected, is_complete: lead.isComplete } : {};
    if (error) {
      await events.emit('error', { message: error.message, code: error.code });
    } else {
      if (emailSent) {
        await events.emit('email_sent', { message: leadPassedOnMessage });
      }
      await events.emit('message', { message: generation.text, ...leadFields });
      await events.emit('done', leadFields);
    }
    await this.deps.logTurn({
      event: 'turn',
      session_id: session?.id ?? null,
      turn_id: payload.turn_id,
      assistant: payload.assistant,
      model: generation.model,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      cost_usd: costUsd,
      outcome: error ? error.code : awaiting ? 'awaiting_feedback' : 'ok',
    });
    return {
      turn_id: payload.turn_id,
      ...(session ? { session_id: session.id } : {}),
      response: generation.text,
      model: generation.model,
      usage,
      cost_usd: costUsd,
      timestamp: now,
      ...leadFields,
      ...(emailSent ? { email_sent: true } : {}),
      ...(citations.length > 0 ? { citations } : {}),
      ...(error ? { incomplete: generation.text !== '', error } : {}),
      ...(awaiting ? { awaiting_feedback: awaiting } : {}),
    };
  }
}
