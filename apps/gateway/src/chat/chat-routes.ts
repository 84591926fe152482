import { ChatTurnBody, ChatTurnResponse, type TurnResult } from '@switchboard/contracts/chat';
import type { HttpServer } from '@switchboard/runtime/http-server';
import type { RealtimeDeps } from '../realtime/realtime-deps.js';
import { clientMessageIdOf, errorResponses, IdempotencyHeaders } from './chat-route-schemas.js';
import { registerChatStreamRoute } from './chat-stream-route.js';
import { multipartTurnBody } from './multipart-turn.js';
import { turnFailure } from './turn-starter.js';

/** 002 sends up to ten 1 MiB files in one JSON body. */
const chatBodyLimit = 12 * 1024 * 1024;

/** A finished turn in the union of the products' answers (SPEC §1 `POST /api/chat`). */
function chatResponse(result: TurnResult): ChatTurnResponse {
  return {
    success: true,
    response: result.response,
    message: result.response,
    ...(result.session_id === undefined ? {} : { session_id: result.session_id }),
    timestamp: result.timestamp,
    model: result.model,
    usage: { ...result.usage, model: result.model },
    cost_usd: result.cost_usd,
    turn_id: result.turn_id,
    ...(result.data_collected === undefined ? {} : { data_collected: result.data_collected }),
    ...(result.is_complete === undefined ? {} : { is_complete: result.is_complete }),
    ...(result.email_sent ? { email_sent: true } : {}),
    ...(result.citations === undefined ? {} : { citations: result.citations }),
    ...(result.awaiting_feedback === undefined ? {} : { awaiting_feedback: result.awaiting_feedback }),
  };
}

/**
 * The chat turn routes: 000's `POST /chat` and the shared `POST /api/chat`
 * (000, 001, 002), waiting for the reply within the deadline; and 001's
 * streaming route (chat-stream-route.ts).
 */
export function registerChatRoutes(app: HttpServer, deps: RealtimeDeps): void {
  const { chat } = deps;
  for (const url of ['/chat', '/api/chat']) {
    app.post(
      url,
      {
        bodyLimit: chatBodyLimit,
        schema: {
          tags: ['chat'],
          summary: 'One chat turn: the reply, as each original product shaped it',
          description:
            'A turn of the session named by `session_id` (or the session token): 001 for a lead session, 000 ' +
            'otherwise; a user or administrator naming a new id (or none) gets a new dispatch session. With ' +
            "`history` or `attached_files` it is 002's stateless call. 000's multipart form (`message`, " +
            "`session_id`, one text `file`) is taken too: the file's first 1,000 characters join the message. " +
            '`client_message_id` or `Idempotency-Key` ' +
            'makes a resend the same turn, with the same reply.',
          body: ChatTurnBody,
          headers: IdempotencyHeaders,
          response: { 200: ChatTurnResponse, ...errorResponses },
        },
        config: { policy: 'session', sessionIn: 'body', sessionOptional: true },
        preValidation: multipartTurnBody,
      },
      async (request) => {
        const started = await chat.start(request.principal, request.body, {
          requestId: request.id,
          clientMessageId: clientMessageIdOf(request),
          assistantForNew: 'dispatch',
          ip: request.ip,
        });
        const result = await chat.result(started);
        const failure = turnFailure(result);
        if (failure) throw failure;
        return chatResponse(result);
      },
    );
  }
  registerChatStreamRoute(app, deps);
}
