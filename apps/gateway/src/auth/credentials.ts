import type { IncomingHttpHeaders } from 'node:http';

/** Just what a credential can ride on: a Fastify request, or a Socket.IO handshake. */
export interface CredentialCarrier {
  headers: IncomingHttpHeaders;
  query?: unknown;
}

/**
 * The credential a request carries, wherever the SPEC lets it ride:
 * `Authorization: Bearer`, `x-api-key`, and for WebSocket upgrades (where
 * browsers cannot set headers) `?token=` or `Sec-WebSocket-Protocol: bearer, <token>`.
 */
export function credentialOf(
  request: CredentialCarrier,
  options: { allowQueryToken?: boolean } = {},
): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S{1,4096})$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0 && apiKey.length <= 4096) return apiKey;
  if (options.allowQueryToken || request.headers.upgrade?.toLowerCase() === 'websocket') {
    const protocols = request.headers['sec-websocket-protocol'];
    if (typeof protocols === 'string') {
      const [scheme, token] = protocols.split(',').map((part) => part.trim());
      if (scheme?.toLowerCase() === 'bearer' && token) return token;
    }
    const query = request.query as Record<string, unknown> | undefined;
    if (typeof query?.token === 'string' && query.token.length <= 4096) return query.token;
  }
  return undefined;
}
