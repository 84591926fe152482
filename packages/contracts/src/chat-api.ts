import { type Static, type TSchema, Type } from 'typebox';
import { AssistantNameSchema, ChatMessage, DataCollected, LlmInfo, SessionIdSchema } from './chat.js';

/*
 * HTTP bodies of the gateway's session, session-log, greeting, usage and
 * lead-admin routes. Each keeps the original product's field names (000,
 * 001, 002, 003 as noted) and adds Switchboard's own beside them.
 */

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const SessionParams = Type.Object({ id: SessionIdSchema });

/** A session's lifecycle as lists and 001's `SessionData` report it. */
export const SessionStatusSchema = Type.Enum(['active', 'complete', 'stopped']);
export type SessionStatus = Static<typeof SessionStatusSchema>;

// ---------------------------------------------------------------- POST /api/sessions

/** `POST /api/sessions` (001, no body; Switchboard: `assistant`, `metadata`). */
export const CreateSessionBody = Type.Object(
  {
    assistant: Type.Optional(AssistantNameSchema),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
    ),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

/** 001's `{session_id, timestamp, status}` plus the token that opens the session. */
export const CreatedSession = Type.Object({
  session_id: Type.String(),
  timestamp: DateTime,
  status: Type.Literal('active'),
  assistant: Type.String(),
  created_at: DateTime,
  expires_at: DateTime,
  session_token: Type.String({
    description: 'Bearer token for this session only (HTTP, SSE and WebSocket).',
  }),
  greeting: Type.Optional(
    Type.String({ description: "The assistant's opening line, stored as the session's turn 0." }),
  ),
});
export type CreatedSession = Static<typeof CreatedSession>;

// ---------------------------------------------------------------- reading sessions

/** 001's collected values (strings or null); emails are masked in lists. */
export const LeadData = Type.Object({
  name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  income: Nullable(Type.String()),
});
export type LeadData = Static<typeof LeadData>;

/** 001's `conversation_history` entry. */
export const HistoryItem = Type.Object({
  role: Type.String(),
  content: Type.String(),
  timestamp: DateTime,
});

/**
 * 001's `SessionData`, with Switchboard's additions. In lists the
 * transcript is left out (`conversation_history: []`, as 001's rows held it).
 */
export const SessionData = Type.Object({
  session_id: Type.String(),
  timestamp: DateTime,
  status: SessionStatusSchema,
  data: LeadData,
  conversation_history: Type.Array(HistoryItem),
  created_at: DateTime,
  updated_at: DateTime,
  completed_at: Nullable(DateTime),
  assistant: Type.String(),
  data_collected: DataCollected,
  is_complete: Type.Boolean(),
  message_count: Type.Integer({ minimum: 0 }),
  expires_at: DateTime,
});
export type SessionData = Static<typeof SessionData>;

/** `GET /api/sessions/:id`: `SessionData` plus every stored message. */
export const SessionDetail = Type.Object({
  ...SessionData.properties,
  messages: Type.Array(ChatMessage),
});
export type SessionDetail = Static<typeof SessionDetail>;

/** 000's list entry (`last_message` = when the last message was written) with 003's additions. */
export const SessionSummary = Type.Object({
  session_id: Type.String(),
  created_at: DateTime,
  message_count: Type.Integer({ minimum: 0 }),
  last_message: Nullable(DateTime),
  assistant: Type.String(),
  status: SessionStatusSchema,
  last_activity_at: DateTime,
  expires_at: DateTime,
  data: LeadData,
});
export type SessionSummary = Static<typeof SessionSummary>;

/** 000's `{sessions, total}` with 003's `active_count` and the page asked for. */
export const SessionList = Type.Object({
  sessions: Type.Array(SessionSummary),
  total: Type.Integer({ minimum: 0 }),
  active_count: Type.Integer({ minimum: 0 }),
  limit: Type.Integer({ minimum: 1 }),
  skip: Type.Integer({ minimum: 0 }),
});
export type SessionList = Static<typeof SessionList>;

export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

export const SessionListQuery = Type.Object({
  ...Pagination,
  format: Type.Optional(
    Type.Enum(['object', 'array'], {
      description: "`array`: 001's bare array of `SessionData` instead of 000's object.",
    }),
  ),
});

export const DeletedSession = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  session_id: Type.String(),
});

export const ExportQuery = Type.Object({
  format: Type.Optional(
    Type.Enum(['json', 'jsonl'], {
      description:
        '`jsonl`: a `{"type":"session",…}` line, then one `{"type":"exchange",…}` line per exchange, each ' +
        'with its own messages under `conversation`.',
    }),
  ),
});

/**
 * 000's exchange: a user message and the assistant's reply. Switchboard
 * stores messages, so an exchange is a user message with every assistant
 * message after it up to the next user message (an agent's waiting message
 * and its continuation once a human answered both belong to it), joined by a
 * blank line.
 */
export const ExportExchange = Type.Object({
  timestamp: Type.String({
    format: 'date-time',
    description: "The user message's; for the opening exchange, the greeting's.",
  }),
  user: Nullable(
    Type.String({ description: 'Null for the opening exchange (the greeting before any user message).' }),
  ),
  assistant: Nullable(
    Type.String({ description: 'Null when no reply was stored (a failed or unfinished turn).' }),
  ),
  turn_id: Nullable(Type.String({ description: "The user message's turn; null for the greeting." })),
});
export type ExportExchange = Static<typeof ExportExchange>;

/**
 * The export file: 000's `{session_id, created_at, messages, exported_at}`
 * (messages as exchanges) plus assistant, data, the stored message count and
 * every stored message under `conversation`.
 */
export const SessionExport = Type.Object({
  session_id: Type.String(),
  created_at: DateTime,
  assistant: Type.String(),
  data: LeadData,
  message_count: Type.Integer({
    minimum: 0,
    description: 'Stored messages (`conversation`), not exchanges.',
  }),
  messages: Type.Array(ExportExchange),
  conversation: Type.Array(ChatMessage),
  exported_at: DateTime,
});

// ---------------------------------------------------------------- 002 start/stop and session log

export const SessionStarted = Type.Object({
  session_id: Type.String({ description: "002's `session_YYYYMMDD_HHMMSS` plus a random suffix." }),
  timestamp: DateTime,
  session_token: Type.String(),
  expires_at: DateTime,
});

/**
 * 002's metrics object (its UI sends `messages_sent`, `messages_received`).
 * One `type` list rather than `anyOf`, so a validator that coerces types
 * keeps `false` a boolean instead of turning it into the first branch's `0`.
 */
export const SessionMetrics = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Unsafe<number | string | boolean>({ type: ['number', 'string', 'boolean'], maxLength: 1_000 }),
  { maxProperties: 50 },
);

export const SessionStopBody = Type.Object(
  {
    session_id: SessionIdSchema,
    metrics: Type.Optional(SessionMetrics),
  },
  { additionalProperties: false },
);

export const SessionStopped = Type.Object({
  status: Type.Literal('stopped'),
  timestamp: DateTime,
  session_id: Type.String(),
  duration_seconds: Type.Number({ minimum: 0 }),
});

export const SessionLogQuery = Type.Object({
  date: Type.Optional(
    Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, default today.' }),
  ),
});

// ---------------------------------------------------------------- greeting and the LLM

export const GreetingQuery = Type.Object({ assistant: Type.Optional(AssistantNameSchema) });

export const GreetingBody = Type.Object({
  greeting: Type.String(),
  assistant: Type.String(),
  privacy_notice: Nullable(Type.String()),
});

/** `/api/openai/info`: what the LLM is, with 002's fields; never a key, its prefix or length, or a path. */
export const OpenAiInfo = Type.Object({
  ...LlmInfo.properties,
  credentials_valid: Type.Boolean(),
  credentials_info: Type.Object({
    openai_model: Type.String(),
    credential_source: LlmInfo.properties.credential_source,
    openai_api_key_set: Type.Boolean(),
  }),
});

export const UsageTotals = Type.Object({
  requests: Type.Integer({ minimum: 0 }),
  prompt_tokens: Type.Integer({ minimum: 0 }),
  completion_tokens: Type.Integer({ minimum: 0 }),
  total_tokens: Type.Integer({ minimum: 0 }),
  cost_usd: Nullable(Type.Number()),
  prompt_cost_usd: Nullable(
    Type.Number({
      description:
        'The part of `cost_usd` spent on prompt tokens. Null when a request here had no known price ' +
        'or was counted without the split.',
    }),
  ),
  completion_cost_usd: Nullable(
    Type.Number({
      description:
        'The part of `cost_usd` spent on completion tokens. Null when a request here had no known price ' +
        'or was counted without the split.',
    }),
  ),
  /** Requests of a model without a known price (their cost is unknown). */
  unpriced_requests: Type.Integer({ minimum: 0 }),
});

export const UsageQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })),
});

/**
 * 002's usage keys (B6), persisted and per model, with Switchboard's
 * breakdowns. `account_info` never holds a key or its prefix.
 */
export const OpenAiUsage = Type.Object({
  total_prompt_tokens: Type.Integer({ minimum: 0 }),
  total_completion_tokens: Type.Integer({ minimum: 0 }),
  total_tokens: Type.Integer({ minimum: 0 }),
  request_count: Type.Integer({ minimum: 0 }),
  model: Nullable(Type.String({ description: 'The most used model in the period.' })),
  estimated_cost_usd: Nullable(
    Type.Number({ description: 'Null when a model in the period has no known price.' }),
  ),
  prompt_cost_usd: Nullable(
    Type.Number({
      description:
        'USD spent on prompt tokens, 4 decimals as 002 gave it. Null when a request in the period had no ' +
        'known price or was counted without the split.',
    }),
  ),
  completion_cost_usd: Nullable(
    Type.Number({
      description:
        'USD spent on completion tokens, 4 decimals as 002 gave it. Null when a request in the period had no ' +
        'known price or was counted without the split.',
    }),
  ),
  account_info: Type.Object(
    {
      model: Type.Optional(Type.String()),
      status: Type.Optional(Type.Literal('active')),
    },
    {
      additionalProperties: false,
      description:
        '`{}` when the provider has no API key; else the configured model and `status: "active"` (002\'s ' +
        '`api_key_prefix` is left out: no part of a key is ever shown).',
    },
  ),
  billing_credit_balance: Type.Null({ description: 'As in 002: no API tells the balance.' }),
  usage_dashboard_url: Nullable(
    Type.String({ description: "OpenAI's usage dashboard; null with the offline provider." }),
  ),
  billing_dashboard_url: Nullable(
    Type.String({ description: "OpenAI's billing dashboard; null with the offline provider." }),
  ),
  note: Type.String({ description: 'How the numbers are counted and priced.' }),
  days: Type.Integer({ minimum: 1 }),
  by_model: Type.Record(Type.String(), UsageTotals),
  by_day: Type.Record(
    Type.String(),
    Type.Object({ ...UsageTotals.properties, by_model: Type.Record(Type.String(), UsageTotals) }),
  ),
});

// ---------------------------------------------------------------- lead admin (001)

export const LeadRow = Type.Object({
  session_id: Type.String(),
  name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  income: Nullable(Type.String()),
  income_bucket: Nullable(Type.String()),
  completed_at: Nullable(DateTime),
  created_at: DateTime,
});
export type LeadRow = Static<typeof LeadRow>;

export const LeadList = Type.Object({
  leads: Type.Array(LeadRow),
  total: Type.Integer({ minimum: 0 }),
  limit: Type.Integer({ minimum: 1 }),
  skip: Type.Integer({ minimum: 0 }),
});

export const LeadListQuery = Type.Object({
  ...Pagination,
  format: Type.Optional(
    Type.Enum(['json', 'csv'], { description: '`csv`: every completed lead as a spreadsheet.' }),
  ),
});

/** A dashboard row: no transcript, email masked. */
export const RecentSession = Type.Object({
  session_id: Type.String(),
  assistant: Type.String(),
  status: SessionStatusSchema,
  timestamp: DateTime,
  created_at: DateTime,
  last_activity_at: DateTime,
  completed_at: Nullable(DateTime),
  data: LeadData,
  data_collected: DataCollected,
  message_count: Type.Integer({ minimum: 0 }),
});

export const DashboardQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 10 })),
  skip: Pagination.skip,
});

/** 001's dashboard (A9); how each count is taken is in each field's description. */
export const AdminDashboard = Type.Object({
  statistics: Type.Object({
    total_sessions: Type.Integer({
      minimum: 0,
      description:
        'Lead sessions started, all time: those in which the visitor gave at least one of name, email or ' +
        'income (each counted once, never lowered by deletes or expiry).',
    }),
    completed_sessions: Type.Integer({
      minimum: 0,
      description:
        'Lead sessions that collected all three and completed, all time (part of `total_sessions`).',
    }),
    active_sessions: Type.Integer({
      minimum: 0,
      description:
        'Live sessions of every assistant, active within the idle TTL (stopped ones until they expire); ' +
        'counted apart from the lead figures, not a part of `total_sessions`.',
    }),
    total_messages: Type.Integer({
      minimum: 0,
      description: 'Messages of the sampled live sessions (`sampled_sessions`).',
    }),
    data_collection: Type.Object({
      names_collected: Type.Integer({ minimum: 0, description: 'All time, each lead counted once.' }),
      emails_collected: Type.Integer({ minimum: 0, description: 'All time, each lead counted once.' }),
      incomes_collected: Type.Integer({ minimum: 0, description: 'All time, each lead counted once.' }),
      completion_rate: Type.Number({
        description: '`completed_sessions` / `total_sessions`, percent, 1 decimal (0 before any lead).',
      }),
    }),
    sampled_sessions: Type.Integer({
      minimum: 0,
      description: 'How many of the most recent live sessions `total_messages` covers (at most 500).',
    }),
  }),
  system_health: Type.Object({
    rag_ready: Type.Boolean(),
    storage_ready: Type.Boolean(),
    email_ready: Type.Boolean(),
    rag_vectors: Nullable(
      Type.Integer({
        minimum: 0,
        description:
          "Passages in the lead assistant's knowledge index, as the chat service last published; null " +
          'until it has.',
      }),
    ),
  }),
  recent_sessions: Type.Array(RecentSession),
  recent_total: Type.Integer({ minimum: 0 }),
});

export const LeadSettingsView = Type.Object({
  recipient_email: Nullable(Type.String()),
  email_notifications_enabled: Type.Boolean(),
  auto_send_on_complete: Type.Boolean(),
  is_configured: Type.Boolean(),
});

export const LeadSettingsPatch = Type.Object(
  {
    recipient_email: Type.Optional(
      Nullable(
        Type.String({
          format: 'email',
          // A dot in the domain as well: the address must be one mail can reach.
          pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
          maxLength: 254,
          description: 'Null clears it: the configured RECIPIENT_EMAIL applies again.',
        }),
      ),
    ),
    email_notifications_enabled: Type.Optional(Type.Boolean()),
    auto_send_on_complete: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LeadSettingsPatch = Static<typeof LeadSettingsPatch>;
