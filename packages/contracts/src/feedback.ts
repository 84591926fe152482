import { type Static, Type } from 'typebox';
import { ChannelNameSchema, StrategySchema } from './notifications.js';

/** Where an answer came from. */
export const AnswerChannelSchema = Type.Enum(['web', 'slack', 'email', 'websocket']);
export type AnswerChannel = Static<typeof AnswerChannelSchema>;

/** `POST /api/feedback-requests` (SPEC §1, §4: `expires_in` in seconds). */
export const FeedbackRequestBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 2_000 }),
    options: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        minItems: 1,
        maxItems: 10,
        uniqueItems: true,
      }),
    ),
    allow_free_text: Type.Optional(Type.Boolean()),
    channels: Type.Optional(Type.Array(ChannelNameSchema, { minItems: 1, maxItems: 3, uniqueItems: true })),
    strategy: Type.Optional(StrategySchema),
    expires_in: Type.Optional(Type.Integer({ minimum: 10, maximum: 30 * 24 * 3_600 })),
    session_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' })),
  },
  {
    additionalProperties: false,
    examples: [{ question: 'Drop table orders_stg? This cannot be undone.', options: ['approve', 'reject'] }],
  },
);
export type FeedbackRequestBody = Static<typeof FeedbackRequestBody>;

export const FeedbackStatusSchema = Type.Enum(['pending', 'answered', 'expired', 'cancelled']);
export type FeedbackStatus = Static<typeof FeedbackStatusSchema>;

export const FeedbackWinner = Type.Object({
  answer: Type.String(),
  channel: AnswerChannelSchema,
  responder_id: Type.String(),
  answered_at: Type.String({ format: 'date-time' }),
});
export type FeedbackWinner = Static<typeof FeedbackWinner>;

export const FeedbackRequestRecord = Type.Object({
  id: Type.String(),
  question: Type.String(),
  options: Type.Array(Type.String()),
  allow_free_text: Type.Boolean(),
  status: FeedbackStatusSchema,
  /** For approve/reject questions (SPEC §4). */
  decision: Type.Optional(Type.Enum(['approved', 'rejected'])),
  winner: Type.Optional(FeedbackWinner),
  requester_id: Type.String(),
  session_id: Type.Optional(Type.String()),
  channels: Type.Array(ChannelNameSchema),
  strategy: StrategySchema,
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
});
export type FeedbackRequestRecord = Static<typeof FeedbackRequestRecord>;

export const FeedbackAnswerBody = Type.Object(
  { answer: Type.String({ minLength: 1, maxLength: 2_000 }) },
  { additionalProperties: false },
);
