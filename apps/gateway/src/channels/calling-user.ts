import { AppError } from '@switchboard/runtime/app-error';
import type { FastifyRequest } from 'fastify';

/**
 * The logged-in user a channel route acts for. The `user` policy also admits
 * admin API keys, which have no channels of their own.
 */
export function callingUserId(request: FastifyRequest): string {
  if (request.principal.kind !== 'user') {
    throw new AppError('SB_FORBIDDEN', 'This route acts for a logged-in user; an API key is not one.');
  }
  return request.principal.userId;
}
