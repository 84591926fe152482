import { type ErrorCode, errorStatus } from '@switchboard/contracts/errors';

/**
 * The one error type of Switchboard: a stable code, a sentence a person can
 * act on, optional machine-readable details. Mapped to HTTP once, by code.
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.statusCode = errorStatus[code];
    this.headers = options?.headers;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
