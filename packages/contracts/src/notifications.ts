import { type Static, Type } from 'typebox';

/** The outside channels a notification can go through (the web socket is the gateway's own). */
export const channelNames = ['email', 'slack', 'webhook'] as const;
export type ChannelName = (typeof channelNames)[number];
export const ChannelNameSchema = Type.Enum(channelNames);

/** `fallback`: the channels in order until one delivers. `broadcast`: all of them. */
export const StrategySchema = Type.Enum(['fallback', 'broadcast']);
export type Strategy = Static<typeof StrategySchema>;

/** Where a notification goes on each channel. */
export const Recipient = Type.Object(
  {
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    slack: Type.Optional(
      Type.String({ pattern: '^[A-Z0-9]{2,32}$', description: 'Slack user or channel id (U…, C…, D…).' }),
    ),
    webhook_url: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
  },
  { additionalProperties: false },
);
export type Recipient = Static<typeof Recipient>;

/** What a feedback request adds to a message: the question and how to answer it. */
export const FeedbackPrompt = Type.Object({
  request_id: Type.String(),
  question: Type.String(),
  options: Type.Array(Type.String()),
  allow_free_text: Type.Boolean(),
  /** The signed one-click page for the email channel (`/f/:token`). */
  answer_url: Type.String(),
  expires_at: Type.String({ format: 'date-time' }),
});
export type FeedbackPrompt = Static<typeof FeedbackPrompt>;

/** The message a channel renders: templated text and HTML, and optionally a feedback prompt. */
export const OutgoingMessage = Type.Object({
  subject: Type.String({ minLength: 1, maxLength: 200 }),
  text: Type.String({ minLength: 1, maxLength: 20_000 }),
  html: Type.Optional(Type.String({ maxLength: 100_000 })),
  template: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' })),
  data: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 50 })),
  feedback: Type.Optional(FeedbackPrompt),
});
export type OutgoingMessage = Static<typeof OutgoingMessage>;

/** `POST /api/notifications` (SPEC §4). */
export const NotificationBody = Type.Object(
  {
    channels: Type.Array(ChannelNameSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
    strategy: Type.Optional(StrategySchema),
    to: Recipient,
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.String({ minLength: 1, maxLength: 20_000 }),
    html: Type.Optional(Type.String({ maxLength: 100_000 })),
    template: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' })),
    data: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 50 })),
    idempotency_key: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        channels: ['email', 'slack'],
        strategy: 'fallback',
        to: { email: 'ops@example.com', slack: 'U0ALICE' },
        subject: 'Order 1234 created',
        text: 'Customer created in PowerCode.',
      },
    ],
  },
);
export type NotificationBody = Static<typeof NotificationBody>;

export const NotificationAccepted = Type.Object({ delivery_id: Type.String() });

/** One line of a delivery timeline (SPEC: queued, sent, failed (reason), fell back to, answered). */
export const DeliveryEvent = Type.Object({
  delivery_id: Type.String(),
  status: Type.Enum([
    'queued',
    'sending',
    'sent',
    'failed',
    'skipped',
    'fell_back',
    'answered',
    'updated',
    'expired',
  ]),
  channel: Type.Optional(ChannelNameSchema),
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  provider_id: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  at: Type.String({ format: 'date-time' }),
});
export type DeliveryEvent = Static<typeof DeliveryEvent>;

export const DeliveryTimeline = Type.Object({
  request_id: Type.String(),
  events: Type.Array(DeliveryEvent),
});

/** The `deliver` job: send one message through its channels by strategy. */
export const DeliverPayload = Type.Object({
  delivery_id: Type.String({ minLength: 1, maxLength: 128 }),
  message: OutgoingMessage,
  channels: Type.Array(ChannelNameSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
  strategy: StrategySchema,
  to: Recipient,
  /**
   * The user the message is sent for (a feedback request's requester): email goes out through
   * their connected Gmail account when they have one. Unset for machine callers.
   */
  sender_user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
export type DeliverPayload = Static<typeof DeliverPayload>;

export const DeliverResult = Type.Object({
  delivered: Type.Array(ChannelNameSchema),
  failed: Type.Array(ChannelNameSchema),
});
export type DeliverResult = Static<typeof DeliverResult>;

/** `/test/smtp`: one real test email, answered synchronously through the queue. */
export const SendTestEmailPayload = Type.Object({ to: Type.String({ format: 'email', maxLength: 254 }) });
export const SendTestEmailResult = Type.Object({ message_id: Type.String(), transport: Type.String() });

/** One message of the email outbox (`.eml` files written when no mail server is configured). */
export const OutboxEntry = Type.Object({
  file: Type.String({ description: '`<time>-<idempotency key>.eml`' }),
  to: Type.String(),
  subject: Type.String(),
  date: Type.String({ description: "The message's Date header, ISO 8601." }),
  size: Type.Integer(),
});

/** `list_outbox`: asked of the notifications service, which owns the outbox folder. */
export const ListOutboxPayload = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500 }) });
export const OutboxList = Type.Object({ entries: Type.Array(OutboxEntry) });
export type OutboxList = Static<typeof OutboxList>;
