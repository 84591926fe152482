import {
  FeedbackAnswerBody,
  FeedbackRequestBody,
  FeedbackRequestRecord,
  FeedbackStatusSchema,
} from '@switchboard/contracts/feedback';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { FeedbackOpener } from '@switchboard/stores/feedback-opening';
import {
  type AnswerInput,
  answeredBy,
  type FeedbackRequestStore,
} from '@switchboard/stores/feedback-requests';
import type { SessionStore } from '@switchboard/stores/sessions';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isAdmin } from '../auth/principal.js';
import { maySeeSession } from '../auth/session-access.js';
import { callingUserId } from '../channels/calling-user.js';
import type { FeedbackAnswering } from './feedback-answering.js';

export interface FeedbackRequestRouteDeps {
  requests: FeedbackRequestStore;
  answering: FeedbackAnswering;
  opener: FeedbackOpener;
  sessions: SessionStore;
}

const RequestParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const FeedbackRequestList = Type.Object({
  feedback_requests: Type.Array(FeedbackRequestRecord),
  total: Type.Integer(),
});

/** Who answers on the web: a user by id (and name), the bootstrap admin key by its id. */
function webResponder(request: FastifyRequest): Pick<AnswerInput, 'responder_id' | 'responder_name'> {
  const principal = request.principal;
  if (principal.kind === 'user')
    return { responder_id: principal.userId, responder_name: principal.username };
  if (principal.kind === 'api_key')
    return { responder_id: `api-key:${principal.keyId}`, responder_name: 'an administrator' };
  throw new AppError('SB_FORBIDDEN', 'Only a user or an administrator may answer.');
}

/**
 * `/api/feedback-requests` (SPEC §1 "Human feedback and channels"): ask a
 * person a question over their channels, read where it stands, answer it.
 * A request is its requester's; administrators may read and answer any.
 */
export function registerFeedbackRequestRoutes(app: HttpServer, deps: FeedbackRequestRouteDeps): void {
  const { requests } = deps;

  /** The request when the caller may see it; someone else's is as unknown as a missing one. */
  async function visibleRequest(request: FastifyRequest, id: string): Promise<FeedbackRequestRecord> {
    const record = await requests.get(id);
    const principal = request.principal;
    const mine = principal.kind === 'user' && record?.requester_id === principal.userId;
    if (!record || !(mine || isAdmin(principal))) {
      throw new AppError('SB_NOT_FOUND', `Feedback request ${id} not found.`);
    }
    return record;
  }

  app.post(
    '/api/feedback-requests',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Ask a person a question over their channels; the first valid answer wins',
        body: FeedbackRequestBody,
        response: { 201: FeedbackRequestRecord },
      },
      config: { policy: 'user' },
    },
    async (request, reply) => {
      const requesterId = callingUserId(request);
      const body = request.body;
      if (body.session_id !== undefined) {
        const session = await deps.sessions.get(body.session_id);
        if (!session) throw new AppError('SB_NOT_FOUND', `Session ${body.session_id} not found.`);
        if (!maySeeSession(request.principal, session)) {
          throw new AppError('SB_FORBIDDEN', 'That session is not yours.');
        }
      }
      const record = await deps.opener.open({
        requesterId,
        question: body.question,
        ...(body.options === undefined ? {} : { options: body.options }),
        ...(body.allow_free_text === undefined ? {} : { allowFreeText: body.allow_free_text }),
        ...(body.channels === undefined ? {} : { channels: body.channels }),
        ...(body.strategy === undefined ? {} : { strategy: body.strategy }),
        ...(body.expires_in === undefined ? {} : { expiresInS: body.expires_in }),
        ...(body.session_id === undefined ? {} : { sessionId: body.session_id }),
        requestId: request.id,
      });
      return reply.status(201).send(record);
    },
  );

  app.get(
    '/api/feedback-requests',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Your feedback requests, newest first',
        querystring: Type.Object({ status: Type.Optional(FeedbackStatusSchema) }),
        response: { 200: FeedbackRequestList },
      },
      config: { policy: 'user' },
    },
    async (request) => {
      const status = request.query.status;
      const list = await requests.list(callingUserId(request), status === undefined ? {} : { status });
      return { feedback_requests: list, total: list.length };
    },
  );

  app.get(
    '/api/feedback-requests/:id',
    {
      schema: {
        tags: ['feedback'],
        summary: 'A feedback request: its status, and the winning answer once there is one',
        params: RequestParams,
        response: { 200: FeedbackRequestRecord },
      },
      config: { policy: 'user' },
    },
    async (request) => visibleRequest(request, request.params.id),
  );

  app.post(
    '/api/feedback-requests/:id/responses',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Answer a feedback request (409 once answered, 410 once expired)',
        params: RequestParams,
        body: FeedbackAnswerBody,
        response: { 200: FeedbackRequestRecord },
      },
      config: { policy: 'user' },
    },
    async (request) => {
      const { id } = request.params;
      await visibleRequest(request, id);
      const outcome = await deps.answering.answer(
        id,
        { answer: request.body.answer, channel: 'web', ...webResponder(request) },
        request.id,
      );
      switch (outcome.kind) {
        case 'won':
          return outcome.record;
        case 'lost':
          throw new AppError(
            'SB_ALREADY_ANSWERED',
            `This request was already ${answeredBy(outcome.winner)}.`,
            {
              winner: outcome.winner,
            },
          );
        case 'expired':
          throw new AppError('SB_EXPIRED', 'This request expired before it was answered.');
        case 'cancelled':
          throw new AppError('SB_CONFLICT', 'This request was cancelled.');
        case 'invalid':
          throw new AppError('SB_VALIDATION', outcome.reason);
        case 'not_found':
          throw new AppError('SB_NOT_FOUND', `Feedback request ${id} not found.`);
      }
    },
  );
}
