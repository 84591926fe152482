import type { FastifyRequest } from 'fastify';
import { credentialOf } from '../auth/credentials.js';
import type { ConnectionHub, HubConnection } from './connection-hub.js';

/** Guards a connection admitted on the credential its upgrade (or SSE request) carried. */
export function guardRequestCredential(
  hub: ConnectionHub,
  connection: HubConnection,
  request: FastifyRequest,
): void {
  if (request.principal?.kind === undefined || request.principal.kind === 'anonymous') return;
  const credential = credentialOf(request);
  if (credential !== undefined) hub.guard(connection, credential);
}
