import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line: credentials in headers, bodies
 * and job payloads. Censored rather than removed so a reader sees they existed.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-callback-token"]',
  'req.headers["x-signature"]',
  'req.headers["x-slack-signature"]',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  '*.client_secret',
  'config',
];

const credentialParams = /([?&](?:token|access_token|api_key|key|sig|signature|code|state)=)[^&#]*/gi;

/** One-click answer links carry their credential in the path: `/f/<token>`. */
const credentialPaths = /^(\/f\/)[^/?#]+/;

/** A URL as it may appear in a log: credentials in the query string (WebSocket `?token=`) or path masked. */
export function loggableUrl(url: string): string {
  return url.replace(credentialPaths, '$1[redacted]').replace(credentialParams, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's request fields, minus anything secret. */
function requestSerializer(request: LoggedRequest) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : loggableUrl(request.url),
    host: request.host ?? request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export interface LoggerSettings {
  service: string;
  level: string;
  instance?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service, instance: settings.instance, pid: process.pid },
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { req: requestSerializer, err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
