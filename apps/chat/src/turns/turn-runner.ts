import type {
  AssistantName,
  ChatMessage,
  TurnError,
  TurnPayload,
  TurnResult,
} from '@switchboard/contracts/chat';
import type { AgentWaitStore } from '@switchboard/stores/agent-waits';
import type { DispatchEventStore } from '@switchboard/stores/dispatch-events';
import type { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import type { SessionEventLog } from '@switchboard/stores/session-events';
import type { SessionRecord } from '@switchboard/stores/sessions';
import {
  type HumanFeedback,
  humanFeedbackTool,
  humanFeedbackToolName,
  outcomeToolResult,
  waitingMessage,
} from '../agent/human-feedback.js';
import type { Assistant } from '../assistants/assistant-catalog.js';
import type { LlmMessage, LlmProvider } from '../llm/llm-port.js';
import { dispatchFacts } from './dispatch-facts.js';
import { addUsage, type Generation, generate, noUsage } from './generation.js';
import type { LeadProgress } from './lead-capture.js';
import { buildPrompt } from './prompt-builder.js';
import {
  type CompletionInput,
  type Reply,
  TurnCompletion,
  type TurnCompletionDeps,
} from './turn-completion.js';
import { TurnEvents } from './turn-events.js';

export interface TurnRunnerDeps extends TurnCompletionDeps {
  assistants: ReadonlyMap<AssistantName, Assistant>;
  provider: LlmProvider;
  events: SessionEventLog;
  humanFeedback: HumanFeedback;
  feedbackRequests: Pick<FeedbackRequestStore, 'get'>;
  /** What the dispatch assistant answers from. */
  dispatchEvents: Pick<DispatchEventStore, 'recent'>;
  waits: AgentWaitStore;
  defaultModel: string;
}

/** How many times one turn may go back to the model after a tool answered at once. */
const maxToolRounds = 3;

/**
 * Runs a turn end to end: loads the session and its history, builds the
 * assistant's prompt, streams the reply as events, stores both messages,
 * records usage, and — for the lead assistant — captures the lead; for the
 * agent — asks a human when the model calls for it.
 */
export class TurnRunner {
  private readonly completion: TurnCompletion;

  constructor(private readonly deps: TurnRunnerDeps) {
    this.completion = new TurnCompletion(deps);
  }

  private finish(input: CompletionInput): Promise<TurnResult> {
    return this.completion.complete(input);
  }

  private assistant(name: AssistantName): Assistant {
    const assistant = this.deps.assistants.get(name);
    if (!assistant) throw new Error(`assistant ${name} is not loaded`);
    return assistant;
  }

  /** `jobId` names a stateless turn's usage record (its id is only unique per caller). */
  async runTurn(payload: TurnPayload, requestId: string, jobId: string): Promise<TurnResult> {
    const sessionId = payload.session_id;
    const session = sessionId === undefined ? null : await this.deps.sessions.get(sessionId);
    // Gone, or replaced by a new session that took the id: this turn was for neither.
    if (
      sessionId !== undefined &&
      (!session || session.token_nonce !== (payload.generation ?? session.token_nonce))
    ) {
      return this.failed(payload, { code: 'SB_NOT_FOUND', message: `Session ${sessionId} not found.` });
    }
    const events = new TurnEvents(this.deps.events, session, payload.turn_id);
    const assistant = this.assistant(session ? (session.assistant as AssistantName) : payload.assistant);
    await events.emit('processing', { message: 'Processing your message...' });

    const stored = session
      ? await this.deps.history.recent(session.id, assistant.profile.history_limit + 4)
      : [];
    const userMessageId = `${payload.turn_id}:user`;
    // A retried turn finds its own message stored already: the history before it is what counts.
    const seen = stored.findIndex((message) => message.id === userMessageId);
    const earlier = seen === -1 ? stored : stored.slice(0, seen);
    if (session && seen === -1) {
      await this.deps.history.append(session.id, {
        id: userMessageId,
        role: 'user',
        content: payload.message,
        timestamp: new Date().toISOString(),
        turn_id: payload.turn_id,
      });
    }

    const lead = await this.leadProgress(assistant, session, payload.message, earlier);
    const model = payload.model ?? assistant.profile.model ?? this.deps.defaultModel;
    // A retried turn whose reply was stored before its worker died: that reply stands, the model is not asked again.
    const answered = stored.find(
      (message) => message.id === `${payload.turn_id}:assistant` && message.incomplete !== true,
    );
    if (answered) {
      return this.finish({
        payload,
        session,
        events,
        reply: this.storedReply(answered),
        citations: answered.citations ?? [],
        lead,
        requestId,
        jobId,
        replyStored: true,
      });
    }
    const prompt = buildPrompt({
      assistant,
      history: session
        ? earlier.filter((message) => message.feedback_request_id === undefined)
        : (payload.history ?? []),
      message: payload.message,
      attachedFiles: payload.attached_files ?? [],
      // Once the lead was complete, there is nothing left to ask and the wrap-up was said.
      ...(lead && !lead.wasComplete ? { slots: { missing: lead.missing, collected: lead.collected } } : {}),
      ...(assistant.profile.name === 'dispatch'
        ? { facts: await dispatchFacts(this.deps.dispatchEvents) }
        : {}),
    });
    const reply = await this.reply(
      session,
      assistant,
      prompt.messages,
      prompt.grounding,
      model,
      events,
      payload.turn_id,
      requestId,
    );
    return this.finish({
      payload,
      session,
      events,
      reply,
      citations: prompt.citations,
      lead,
      requestId,
      jobId,
    });
  }

  /** The agent's human answered (or the request expired): the conversation continues from the tool call. */
  async resume(
    sessionId: string,
    requestId: string,
    turnId: string,
    jobRequestId: string,
  ): Promise<TurnResult | null> {
    const wait = await this.deps.waits.get(sessionId, requestId);
    if (!wait) return null;
    const [session, record] = await Promise.all([
      this.deps.sessions.get(sessionId),
      this.deps.feedbackRequests.get(requestId),
    ]);
    if (!session || !record || record.status === 'pending') return null;
    const assistant = this.assistant(session.assistant as AssistantName);
    const events = new TurnEvents(this.deps.events, session, turnId);
    const stored = await this.recentThrough(
      sessionId,
      `${wait.turn_id}:user`,
      assistant.profile.history_limit,
    );
    // The user message that led to the question, and the conversation before it.
    const asking = stored.findIndex((message) => message.id === `${wait.turn_id}:user`);
    const prompt = buildPrompt({
      assistant,
      history: stored
        .slice(0, Math.max(0, asking))
        .filter((message) => message.feedback_request_id === undefined),
      message: stored[asking]?.content ?? '',
    });
    // A retry whose earlier attempt stored the continuation: that reply stands.
    const answered = stored.find(
      (message) => message.id === `${turnId}:assistant` && message.incomplete !== true,
    );
    const messages: LlmMessage[] = [
      ...prompt.messages,
      { role: 'assistant', content: '', tool_calls: [wait.tool_call] },
      { role: 'tool', tool_call_id: wait.tool_call.id, content: outcomeToolResult(record) },
    ];
    const model = assistant.profile.model ?? this.deps.defaultModel;
    const reply = answered
      ? this.storedReply(answered)
      : await this.reply(session, assistant, messages, prompt.grounding, model, events, turnId, jobRequestId);
    const result = await this.finish({
      payload: { turn_id: turnId, session_id: sessionId, assistant: assistant.profile.name, message: '' },
      session,
      events,
      reply,
      citations: answered ? (answered.citations ?? []) : prompt.citations,
      lead: null,
      requestId: jobRequestId,
      jobId: turnId,
      replyStored: answered !== undefined,
    });
    await this.deps.waits.release(sessionId, requestId);
    return result;
  }

  /** A reply stored by an earlier attempt of its turn, as that attempt made it. */
  private storedReply(answered: ChatMessage): Reply {
    const usage = answered.usage ?? noUsage;
    const generation: Generation = {
      text: answered.content,
      model: answered.model ?? this.deps.defaultModel,
      usage,
      toolCalls: [],
    };
    const awaiting = answered.feedback_request_id;
    return { generation, usage, ...(awaiting ? { awaiting: { request_id: awaiting } } : {}) };
  }

  /**
   * The session's recent messages, reaching back at least to the one with id
   * `throughId` (a question asked many turns ago) and `context` messages before it.
   */
  private async recentThrough(sessionId: string, throughId: string, context: number): Promise<ChatMessage[]> {
    const total = await this.deps.history.count(sessionId);
    for (let window = context + 8; ; window *= 4) {
      const recent = await this.deps.history.recent(sessionId, window);
      const at = recent.findIndex((message) => message.id === throughId);
      if (at !== -1 || window >= total) return at === -1 ? recent : recent.slice(Math.max(0, at - context));
    }
  }

  private async leadProgress(
    assistant: Assistant,
    session: SessionRecord | null,
    message: string,
    earlier: readonly ChatMessage[],
  ): Promise<LeadProgress | null> {
    if (!session || assistant.profile.slots.length === 0) return null;
    const lastAssistant = [...earlier].reverse().find((entry) => entry.role === 'assistant');
    return this.deps.lead.absorb(session.id, message, lastAssistant?.content);
  }

  /** Model calls until a reply: tool calls are answered and sent back, or (a human asked) the turn waits. */
  private async reply(
    session: SessionRecord | null,
    assistant: Assistant,
    messages: LlmMessage[],
    grounding: Parameters<LlmProvider['stream']>[0]['grounding'],
    model: string,
    events: TurnEvents,
    turnId: string,
    requestId: string,
  ): Promise<Reply> {
    const tools =
      session && assistant.profile.tools.includes(humanFeedbackToolName) ? [humanFeedbackTool] : undefined;
    let usage = noUsage;
    const conversation = [...messages];
    for (let round = 1; ; round++) {
      const generation = await generate(
        this.deps.provider,
        {
          model,
          temperature: assistant.profile.temperature,
          ...(assistant.profile.max_tokens === undefined ? {} : { maxTokens: assistant.profile.max_tokens }),
          messages: conversation,
          ...(tools ? { tools } : {}),
          grounding,
        },
        events,
      );
      usage = addUsage(usage, generation.usage);
      const call = generation.toolCalls.find((candidate) => candidate.name === humanFeedbackTool.name);
      if (generation.error || !call || !session || round > maxToolRounds) return { generation, usage };
      const outcome = await this.deps.humanFeedback.ask(session, call, { id: turnId, round }, requestId);
      if (outcome.kind === 'asked') {
        const waiting = waitingMessage(outcome.record);
        const text = generation.text === '' ? waiting : `${generation.text}\n\n${waiting}`;
        await events.emit('chunk', { content: generation.text === '' ? waiting : `\n\n${waiting}` });
        return { generation: { ...generation, text }, usage, awaiting: { request_id: outcome.record.id } };
      }
      conversation.push(
        { role: 'assistant', content: generation.text, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: outcome.toolResult },
      );
    }
  }

  /** A turn the sequencer closed without running it (its job was lost). */
  abandoned(payload: TurnPayload, message: string): TurnResult {
    return this.failed(payload, { code: 'SB_UNAVAILABLE', message });
  }

  /** A turn that cannot run at all (its session is gone). */
  private failed(payload: TurnPayload, error: TurnError): TurnResult {
    return {
      turn_id: payload.turn_id,
      response: '',
      model: payload.model ?? this.deps.defaultModel,
      usage: noUsage,
      cost_usd: null,
      timestamp: new Date().toISOString(),
      error,
    };
  }
}
