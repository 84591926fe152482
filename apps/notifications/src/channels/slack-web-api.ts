import { ChannelError } from './channel.js';
import { excerpt, isTransientStatus, postJson } from './outbound-http.js';

/**
 * Slack answers most failures with HTTP 200 and `ok:false`; these are the
 * errors a later try can get past. Anything else (`channel_not_found`,
 * `invalid_auth`, `is_archived`, …) needs a person to change something.
 */
const transientErrors = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export interface SlackWebApi {
  /** Calls a Web API method; resolves with Slack's answer when `ok`, else throws a ChannelError. */
  call<T extends object = Record<string, unknown>>(method: string, body: object): Promise<T & { ok: true }>;
}

export function createSlackWebApi(options: {
  apiUrl: string;
  botToken: string;
  timeoutMs: number;
}): SlackWebApi {
  return {
    async call<T extends object>(method: string, body: object) {
      const answer = await postJson(`${options.apiUrl}${method}`, JSON.stringify(body), {
        headers: { authorization: `Bearer ${options.botToken}` },
        timeoutMs: options.timeoutMs,
      });
      if (answer.status < 200 || answer.status >= 300) {
        const retryAfter = answer.headers.get('retry-after');
        throw new ChannelError(
          `Slack ${method} answered HTTP ${answer.status}${retryAfter ? ` (retry after ${retryAfter} s)` : ''}: ${excerpt(answer.body)}`,
          !isTransientStatus(answer.status),
        );
      }
      let result: { ok?: boolean; error?: string };
      try {
        result = JSON.parse(answer.body) as { ok?: boolean; error?: string };
      } catch {
        throw new ChannelError(
          `Slack ${method} answered something that is not JSON: ${excerpt(answer.body)}`,
          false,
        );
      }
      if (result.ok !== true) {
        const error = result.error ?? 'unknown_error';
        throw new ChannelError(`Slack ${method} failed: ${error}`, !transientErrors.has(error));
      }
      return result as T & { ok: true };
    },
  };
}
