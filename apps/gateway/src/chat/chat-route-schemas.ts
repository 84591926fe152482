import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/** SPEC §4 "Turn idempotency": the header form of `client_message_id`. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

/** The failures a chat turn route may answer beside the usual 4xx. */
export const errorResponses = {
  502: { description: 'The language model failed (`SB_UPSTREAM`).', $ref: 'ErrorBody#' },
  503: { description: 'The chat service could not take the turn (`SB_UNAVAILABLE`).', $ref: 'ErrorBody#' },
  504: {
    description: 'No reply within CHAT_DEADLINE_MS (`SB_TIMEOUT`); the reply still lands in the history.',
    $ref: 'ErrorBody#',
  },
};

/** The turn's `Idempotency-Key` header, if sent. */
export function clientMessageIdOf(request: FastifyRequest): string | undefined {
  return (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
}
