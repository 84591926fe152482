import { createHash } from 'node:crypto';
import { FeedbackRequestBody, type FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import type { AgentWaitStore } from '@switchboard/stores/agent-waits';
import type { FeedbackOpener } from '@switchboard/stores/feedback-opening';
import type { SessionRecord } from '@switchboard/stores/sessions';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { LlmTool, LlmToolCall } from '../llm/llm-port.js';

export const humanFeedbackToolName = 'request_human_feedback' as const;

/** The tool's arguments: a feedback request's question and options, checked as the HTTP route checks them. */
const ToolArguments = Type.Object({
  question: FeedbackRequestBody.properties.question,
  options: FeedbackRequestBody.properties.options,
});
const toolArguments = Compile(ToolArguments);

/** The tool the `agent` assistant may call (leadbot B6): ask a person, then wait for their answer. */
export const humanFeedbackTool: LlmTool = {
  name: humanFeedbackToolName,
  description:
    'Ask the human you work for and wait for their answer. Use it before any irreversible or high-risk action, ' +
    'or when you need information only they have. Give approve/reject options for a yes-or-no decision.',
  parameters: {
    type: 'object',
    properties: {
      question: { type: 'string', description: 'The question, complete enough to answer without the chat.' },
      options: { type: 'array', items: { type: 'string' }, description: 'Answers to choose from, if any.' },
    },
    required: ['question'],
    additionalProperties: false,
  },
};

/**
 * A UUID derived from the turn and the model call it came from (not the
 * model's call id, which a retried call does not repeat), so a retried turn
 * opens the same request, not a second one.
 */
function requestIdFor(sessionId: string, turnId: string, round: number): string {
  const hex = createHash('sha256').update(`${sessionId}\0${turnId}\0${round}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export type AskOutcome =
  | { kind: 'asked'; record: FeedbackRequestRecord }
  /** Nobody can be asked; the text is the tool result the model continues with. */
  | { kind: 'not_asked'; toolResult: string };

export interface HumanFeedbackDeps {
  opener: Pick<FeedbackOpener, 'open'>;
  waits: AgentWaitStore;
  /** FEEDBACK_EXPIRY_S. */
  defaultExpiryS: number;
  /**
   * SESSION_IDLE_TTL_S: a question outliving the session could be answered
   * with nothing left to continue, so it expires with the session at the latest.
   */
  sessionIdleTtlS: number;
}

/** The agent's side of a feedback request: opening it from a tool call, and reading the outcome back. */
export class HumanFeedback {
  constructor(private readonly deps: HumanFeedbackDeps) {}

  /** `turn.round`: which model call of the turn asked (the first is 1). */
  async ask(
    session: SessionRecord,
    call: LlmToolCall,
    turn: { id: string; round: number },
    requestId: string,
  ): Promise<AskOutcome> {
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch {
      args = undefined;
    }
    if (!toolArguments.Check(args)) {
      return {
        kind: 'not_asked',
        toolResult: JSON.stringify({ status: 'invalid_call', reason: 'question must be a non-empty string' }),
      };
    }
    if (session.owner_id === null) {
      return {
        kind: 'not_asked',
        toolResult: JSON.stringify({
          status: 'unavailable',
          reason:
            'This chat is not linked to a user account, so there is nobody to ask. Do not take the action.',
        }),
      };
    }
    const record = await this.deps.opener.open({
      id: requestIdFor(session.id, turn.id, turn.round),
      requesterId: session.owner_id,
      question: args.question,
      ...(args.options === undefined ? {} : { options: args.options }),
      sessionId: session.id,
      expiresInS: Math.min(this.deps.defaultExpiryS, this.deps.sessionIdleTtlS),
      requestId,
    });
    await this.deps.waits.set(session.id, {
      request_id: record.id,
      tool_call: call,
      turn_id: turn.id,
      expires_at: record.expires_at,
    });
    return { kind: 'asked', record };
  }
}

/** What the model is told once the person answered, or did not in time (B6: expiry means "do not act"). */
export function outcomeToolResult(record: FeedbackRequestRecord): string {
  if (record.status === 'answered' && record.winner) {
    return JSON.stringify({
      status: 'answered',
      answer: record.winner.answer,
      ...(record.decision === undefined ? {} : { decision: record.decision }),
      channel: record.winner.channel,
    });
  }
  return JSON.stringify({
    status: record.status,
    reason: 'No answer was given in time. Do not perform the action; tell the user.',
  });
}

/** The reply the user sees while the agent waits. */
export function waitingMessage(record: FeedbackRequestRecord): string {
  const until = record.expires_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `I need a human decision before going on, so I asked: "${record.question}". I'll continue as soon as there is an answer (the request is open until ${until}).`;
}
