import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Every error a client can see, with the HTTP status it maps to. The code is
 * the stable contract; the sentence beside it in a response is for people.
 */
export const errorStatus = {
  SB_VALIDATION: 400,
  SB_BAD_JSON: 400,
  SB_UNAUTHENTICATED: 401,
  SB_BAD_SIGNATURE: 401,
  SB_FORBIDDEN: 403,
  SB_NOT_FOUND: 404,
  SB_METHOD_NOT_ALLOWED: 405,
  SB_CONFLICT: 409,
  SB_SESSION_LIMIT: 409,
  SB_ALREADY_ANSWERED: 409,
  SB_EXPIRED: 410,
  SB_PAYLOAD_TOO_LARGE: 413,
  SB_UNSUPPORTED_MEDIA_TYPE: 415,
  SB_UNPROCESSABLE: 422,
  SB_RATE_LIMITED: 429,
  SB_INTERNAL: 500,
  SB_NOT_IMPLEMENTED: 501,
  SB_UPSTREAM: 502,
  SB_UNAVAILABLE: 503,
  SB_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export const ErrorCodeSchema = Type.Enum(errorCodes);

export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String({ description: 'A sentence a person can act on.' }),
    code: ErrorCodeSchema,
    requestId: Type.String(),
    details: Type.Optional(Type.Unknown({ description: 'Machine-readable detail, e.g. failing fields.' })),
  },
  {
    $id: 'ErrorBody',
    examples: [{ success: false, error: 'Session abc not found', code: 'SB_NOT_FOUND', requestId: 'req-1' }],
  },
);
export type ErrorBody = Static<typeof ErrorBody>;
export const errorBodyValidator = Compile(ErrorBody);
