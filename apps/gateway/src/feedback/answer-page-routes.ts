import type { FeedbackRequestRecord } from '@switchboard/contracts/feedback';
import type { AnswerLinks } from '@switchboard/runtime/answer-links';
import { AppError } from '@switchboard/runtime/app-error';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { FeedbackRequestStore } from '@switchboard/stores/feedback-requests';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { answeredPage, closedPage, questionPage, thanksPage } from './answer-page.js';
import type { FeedbackAnswering } from './feedback-answering.js';

export interface AnswerPageRouteDeps {
  requests: FeedbackRequestStore;
  answering: FeedbackAnswering;
  links: AnswerLinks;
}

const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) });
const AnswerForm = Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2_000 }) });

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);
}

/**
 * `GET /f/:token` and its form's `POST` (SPEC §4 "Email link"): the email's
 * one-click answer page. Only the POST answers; the link is signed and stops
 * answering once the request has its answer or expires.
 */
export function registerAnswerPageRoutes(
  app: HttpServer,
  { requests, answering, links }: AnswerPageRouteDeps,
): void {
  /** The request a link names, or the reason it cannot be answered through it (an error or a page). */
  async function linkedRequest(token: string): Promise<FeedbackRequestRecord | { gone: true }> {
    const link = links.check(token);
    if (!link.ok) throw new AppError('SB_BAD_SIGNATURE', 'This answer link is not valid.');
    const record = await requests.get(link.requestId);
    if (record)
      return link.expired && record.status === 'pending' ? { ...record, status: 'expired' } : record;
    // Requests are kept a while after they expire; an older link has simply run out.
    if (link.expired) return { gone: true };
    throw new AppError('SB_NOT_FOUND', 'This request no longer exists.');
  }

  app.get(
    '/f/:token',
    {
      schema: {
        tags: ['feedback'],
        summary: 'The answer page an email links to (it never answers by itself)',
        params: TokenParams,
        // The email links each option here preselected; the page still only asks to confirm it.
        querystring: Type.Object({ answer: Type.Optional(Type.String({ maxLength: 2_000 })) }),
        response: {
          200: html('The question with a confirm button per option, or who already answered it.'),
          410: html('The request expired or was cancelled.'),
        },
      },
      config: { policy: 'signed' },
    },
    async (request, reply) => {
      const record = await linkedRequest(request.params.token);
      if ('gone' in record) return sendPage(reply, 410, closedPage('expired'));
      if (record.winner) return sendPage(reply, 200, answeredPage(record, record.winner));
      if (record.status === 'pending')
        return sendPage(reply, 200, questionPage(record, `/f/${request.params.token}`, request.query.answer));
      return sendPage(reply, 410, closedPage(record.status === 'cancelled' ? 'cancelled' : 'expired'));
    },
  );

  app.post(
    '/f/:token',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Answer through the email link (form-encoded `answer`)',
        params: TokenParams,
        body: AnswerForm,
        response: {
          200: html('The answer was recorded.'),
          409: html('Someone answered first; the page says who and how.'),
          410: html('The request expired or was cancelled.'),
        },
      },
      config: { policy: 'signed' },
    },
    async (request, reply) => {
      const record = await linkedRequest(request.params.token);
      if ('gone' in record) return sendPage(reply, 410, closedPage('expired'));
      const recipients = await requests.recipients(record.id);
      const responder = recipients?.email ?? 'the email recipient';
      const outcome = await answering.answer(
        record.id,
        { answer: request.body.answer, channel: 'email', responder_id: responder, responder_name: responder },
        request.id,
      );
      switch (outcome.kind) {
        case 'won':
          return sendPage(
            reply,
            200,
            thanksPage(record, outcome.record.winner?.answer ?? request.body.answer),
          );
        case 'lost':
          return sendPage(reply, 409, answeredPage(record, outcome.winner));
        case 'expired':
        case 'cancelled':
          return sendPage(reply, 410, closedPage(outcome.kind));
        case 'invalid':
          throw new AppError('SB_VALIDATION', outcome.reason);
        case 'not_found':
          throw new AppError('SB_NOT_FOUND', 'This request no longer exists.');
      }
    },
  );
}
