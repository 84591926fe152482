import { type Static, Type } from 'typebox';

/** The assistants a session can talk to (SPEC: Assistants); each is a profile file in the chat service. */
export const assistantNames = ['dispatch', 'lead', 'general', 'agent'] as const;
export type AssistantName = (typeof assistantNames)[number];
export const AssistantNameSchema = Type.Enum([...assistantNames]);

/** A session id as callers may choose it (000 names its own); matches stores' `sessionIdPattern`. */
export const SessionIdSchema = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });

/** SPEC §4 "Turn idempotency": `client_message_id` or the `Idempotency-Key` header. */
export const ClientMessageIdSchema = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[\\x21-\\x7e]+$',
});

/** 001's three lead slots, as flags (`data_collected`). */
export const DataCollected = Type.Object({
  name: Type.Boolean(),
  email: Type.Boolean(),
  income: Type.Boolean(),
});
export type DataCollected = Static<typeof DataCollected>;

/** Token counts of one provider call (002's `usage`, without its `model`). */
export const TokenUsage = Type.Object({
  prompt_tokens: Type.Integer({ minimum: 0 }),
  completion_tokens: Type.Integer({ minimum: 0 }),
  total_tokens: Type.Integer({ minimum: 0 }),
});
export type TokenUsage = Static<typeof TokenUsage>;

/** A knowledge passage a reply was grounded in. */
export const Citation = Type.Object({
  source: Type.String(),
  chunk: Type.Integer({ minimum: 0 }),
  score: Type.Number(),
  excerpt: Type.String(),
});
export type Citation = Static<typeof Citation>;

/** 002's attached text files. */
export const AttachedFile = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  content: Type.String({ maxLength: 1_048_576 }),
});
export type AttachedFile = Static<typeof AttachedFile>;

/** 002's client-held history: only user and assistant turns (B7: `system` is refused). */
export const HistoryEntry = Type.Object({
  role: Type.Enum(['user', 'assistant']),
  content: Type.String({ maxLength: 100_000 }),
});
export type HistoryEntry = Static<typeof HistoryEntry>;

/** One stored message of a session's conversation. */
export const ChatMessage = Type.Object({
  id: Type.String(),
  role: Type.Enum(['user', 'assistant', 'system']),
  content: Type.String(),
  timestamp: Type.String({ format: 'date-time' }),
  /** The turn that produced it; absent for the greeting (turn 0). */
  turn_id: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  /** What generating this reply cost (all the model calls of its turn). */
  usage: Type.Optional(TokenUsage),
  cost_usd: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  citations: Type.Optional(Type.Array(Citation)),
  /** A reply cut short by a provider failure: what was generated before it. */
  incomplete: Type.Optional(Type.Boolean()),
  /** Set on the agent's message that asked a human. */
  feedback_request_id: Type.Optional(Type.String()),
});
export type ChatMessage = Static<typeof ChatMessage>;

/**
 * `chat.turn`: one user message for one session, accepted by the gateway.
 * `turn_id` is the idempotency key within the session and `seq` its place
 * in the session's order (given at acceptance, so turns run as they arrived).
 * A turn without `session_id` is 002's stateless call: nothing is stored but usage.
 */
export const TurnPayload = Type.Object({
  turn_id: Type.String({ minLength: 1, maxLength: 160 }),
  session_id: Type.Optional(SessionIdSchema),
  /** The session's generation (`token_nonce`) when the turn was accepted: a later session of the same id is another. */
  generation: Type.Optional(Type.String({ maxLength: 64 })),
  seq: Type.Optional(Type.Integer({ minimum: 1 })),
  assistant: AssistantNameSchema,
  message: Type.String({ maxLength: 100_000 }),
  history: Type.Optional(Type.Array(HistoryEntry, { maxItems: 200 })),
  attached_files: Type.Optional(Type.Array(AttachedFile, { maxItems: 10 })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Who asked, from the credential (never from the body): for the usage log. Absent: a guest. */
  caller: Type.Optional(Type.Object({ user_id: Type.String(), username: Type.String() })),
});
export type TurnPayload = Static<typeof TurnPayload>;

export const TurnErrorSchema = Type.Object({
  code: Type.Enum(['SB_UPSTREAM', 'SB_TIMEOUT', 'SB_UNAVAILABLE', 'SB_NOT_FOUND', 'SB_VALIDATION']),
  message: Type.String(),
  /** Why the provider failed, where a client can act on it (002's `upstream_auth`: the key was refused). */
  reason: Type.Optional(Type.Enum(['upstream_auth', 'rate_limited'])),
});
export type TurnError = Static<typeof TurnErrorSchema>;

/** What a finished turn answers; the synchronous routes shape their product's response from it. */
export const TurnResult = Type.Object({
  turn_id: Type.String(),
  session_id: Type.Optional(Type.String()),
  response: Type.String(),
  model: Type.String(),
  usage: TokenUsage,
  cost_usd: Type.Union([Type.Number(), Type.Null()]),
  timestamp: Type.String({ format: 'date-time' }),
  data_collected: Type.Optional(DataCollected),
  is_complete: Type.Optional(Type.Boolean()),
  /** This turn completed the lead and queued the operator's email. */
  email_sent: Type.Optional(Type.Boolean()),
  citations: Type.Optional(Type.Array(Citation)),
  /** The reply stopped early (see `error`); what was generated is stored, marked incomplete. */
  incomplete: Type.Optional(Type.Boolean()),
  /** The agent asked a human and waits for the answer. */
  awaiting_feedback: Type.Optional(Type.Object({ request_id: Type.String() })),
  error: Type.Optional(TurnErrorSchema),
});
export type TurnResult = Static<typeof TurnResult>;

/** The `email_sent` event's sentence (001's fixed confirmation text) on the turn that completes a lead. */
export const leadPassedOnMessage = 'Your details are with the team; expect an email soon.';

/** `chat.agent_resume`: a feedback request the agent opened was answered or expired. */
export const AgentResumePayload = Type.Object({
  session_id: SessionIdSchema,
  request_id: Type.String({ minLength: 1, maxLength: 128 }),
});
export const AgentResumeResult = Type.Object({
  resumed: Type.Boolean(),
  reason: Type.Optional(Type.String()),
});

/**
 * `chat.usage_log`: one turn's usage for 002's usage service
 * (`POST {PAPITA_API_URL}/api/usage/log`), with its field names.
 */
export const UsageLogPayload = Type.Object({
  userId: Type.Union([Type.String(), Type.Null()]),
  username: Type.String(),
  isGuest: Type.Boolean(),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  projectId: Type.String(),
  model: Type.String(),
  inputTokens: Type.Integer({ minimum: 0 }),
  outputTokens: Type.Integer({ minimum: 0 }),
  totalTokens: Type.Integer({ minimum: 0 }),
});
export type UsageLogPayload = Static<typeof UsageLogPayload>;
export const UsageLogResult = Type.Object({ status: Type.Integer() });

/** `chat.session_log`: one line for the daily JSONL file, written by a chat worker. */
export const SessionLogLinePayload = Type.Object({
  date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  line: Type.String({ minLength: 2, maxLength: 200_000 }),
});
export const SessionLogLineResult = Type.Object({ written: Type.Boolean() });

/** What the LLM behind the chat service is, for `/api/openai/info` (never the key). */
export const LlmInfo = Type.Object({
  provider: Type.Enum(['openai', 'offline']),
  model: Type.String(),
  base_url_host: Type.Union([Type.String(), Type.Null()]),
  configured: Type.Boolean(),
  credential_source: Type.Enum(['papita_api', 'local_env', 'none']),
  offline: Type.Boolean(),
  note: Type.Optional(Type.String()),
});
export type LlmInfo = Static<typeof LlmInfo>;

/** The public face of an assistant, published by the chat service for the gateway. */
export const AssistantCard = Type.Object({
  name: AssistantNameSchema,
  title: Type.String(),
  description: Type.String(),
  greetings: Type.Array(Type.String(), { minItems: 1 }),
  privacy_notice: Type.Optional(Type.String()),
  slots: Type.Array(Type.String()),
  /** Passages of its knowledge files in its retrieval index (001's dashboard `rag_vectors`). */
  knowledge_chunks: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AssistantCard = Static<typeof AssistantCard>;

/**
 * `POST /chat`, `POST /api/chat`, `POST /api/chat/stream` (SPEC §1 Chat): one
 * body for three products. `history`/`attached_files` (or 002's legacy
 * `attached_content`) make it 002's stateless turn; otherwise it is a turn of
 * the session named (or of the caller's session token): 001's for a lead
 * session, 000's for the others.
 */
export const ChatTurnBody = Type.Object(
  {
    message: Type.Optional(Type.String({ maxLength: 100_000 })),
    session_id: Type.Optional(SessionIdSchema),
    client_message_id: Type.Optional(ClientMessageIdSchema),
    history: Type.Optional(Type.Array(HistoryEntry, { maxItems: 200 })),
    attached_files: Type.Optional(Type.Array(AttachedFile, { maxItems: 10 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:/-]+$' })),
    /** 002's legacy single attachment. */
    attached_content: Type.Optional(Type.String({ maxLength: 1_048_576 })),
    attached_filename: Type.Optional(Type.String({ maxLength: 255 })),
    /** 002's client-asserted identity: accepted, ignored (the token says who calls). */
    username: Type.Optional(Type.String({ maxLength: 200 })),
    isGuest: Type.Optional(Type.Boolean()),
    sessionId: Type.Optional(Type.String({ maxLength: 200 })),
  },
  {
    examples: [
      { message: 'Which facilities are in event 20417?', session_id: 's1' },
      { message: 'Summarise this', history: [], attached_files: [{ name: 'notes.txt', content: 'hello' }] },
    ],
  },
);
export type ChatTurnBody = Static<typeof ChatTurnBody>;

/** The union of 000's, 001's and 002's chat answers (SPEC §1), with Switchboard's additions. */
export const ChatTurnResponse = Type.Object({
  success: Type.Literal(true),
  response: Type.String(),
  /** 002's name for the reply text. */
  message: Type.String(),
  session_id: Type.Optional(Type.String()),
  timestamp: Type.String({ format: 'date-time' }),
  model: Type.String(),
  usage: Type.Object({
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    total_tokens: Type.Integer(),
    model: Type.String(),
  }),
  cost_usd: Type.Union([Type.Number(), Type.Null()]),
  turn_id: Type.String(),
  data_collected: Type.Optional(DataCollected),
  is_complete: Type.Optional(Type.Boolean()),
  email_sent: Type.Optional(Type.Boolean()),
  citations: Type.Optional(Type.Array(Citation)),
  awaiting_feedback: Type.Optional(Type.Object({ request_id: Type.String() })),
});
export type ChatTurnResponse = Static<typeof ChatTurnResponse>;
