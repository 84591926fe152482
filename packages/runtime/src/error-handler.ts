import { type ErrorBody, type ErrorCode, errorStatus } from '@switchboard/contracts/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isAppError } from './app-error.js';

const codesByStatus: Record<number, ErrorCode> = {
  400: 'SB_VALIDATION',
  401: 'SB_UNAUTHENTICATED',
  403: 'SB_FORBIDDEN',
  404: 'SB_NOT_FOUND',
  405: 'SB_METHOD_NOT_ALLOWED',
  409: 'SB_CONFLICT',
  410: 'SB_EXPIRED',
  413: 'SB_PAYLOAD_TOO_LARGE',
  415: 'SB_UNSUPPORTED_MEDIA_TYPE',
  422: 'SB_UNPROCESSABLE',
  429: 'SB_RATE_LIMITED',
  503: 'SB_UNAVAILABLE',
  504: 'SB_TIMEOUT',
};

/** The error code for an HTTP status raised by code that does not speak our codes (Fastify, plugins). */
export function codeForStatus(status: number): ErrorCode {
  return codesByStatus[status] ?? (status >= 500 ? 'SB_INTERNAL' : 'SB_VALIDATION');
}

const badJsonCodes = new Set(['FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_CTP_INVALID_JSON_BODY']);

export function errorBody(
  request: FastifyRequest,
  code: ErrorCode,
  error: string,
  details?: unknown,
): ErrorBody {
  const body: ErrorBody = { success: false, error, code, requestId: request.id };
  if (details !== undefined) body.details = details;
  return body;
}

function describe(error: FastifyError): { code: ErrorCode; message: string; details?: unknown } {
  if (isAppError(error)) return { code: error.code, message: error.message, details: error.details };
  if (error.validation) {
    return {
      code: 'SB_VALIDATION',
      message: `Invalid request: ${error.message}`,
      details: error.validation.map(({ instancePath, message }) => ({
        in: error.validationContext,
        path: instancePath,
        message,
      })),
    };
  }
  if (error.code && badJsonCodes.has(error.code)) return { code: 'SB_BAD_JSON', message: error.message };
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return { code: 'SB_BAD_JSON', message: 'The request body is not valid JSON.' };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { code: codeForStatus(status), message: error.message };
  return {
    code: 'SB_INTERNAL',
    message: 'Something went wrong on our side; the request id identifies it in our logs.',
  };
}

/** Sends an error as the standard body, with the status its code maps to. */
export function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { code, message, details } = describe(error);
  const status = errorStatus[code];
  // A deliberate 5xx (a dependency down, a feature not configured) is a warning; anything else is a bug.
  if (status >= 500 && !isAppError(error)) request.log.error({ err: error }, 'request failed');
  else if (status >= 500) request.log.warn({ code, reason: message }, 'request failed');
  else request.log.info({ code, reason: message }, 'request refused');
  if (isAppError(error) && error.headers) reply.headers(error.headers);
  return reply.status(status).send(errorBody(request, code, message, details));
}

/**
 * The one place errors become HTTP: the standard body for every failure,
 * the status from the code, and no internals for anything unexpected.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler(sendError);
    app.setNotFoundHandler((request, reply) =>
      reply
        .status(404)
        .send(
          errorBody(
            request,
            'SB_NOT_FOUND',
            `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}.`,
          ),
        ),
    );
  },
  { name: 'switchboard-error-handler', fastify: '5.x' },
);
