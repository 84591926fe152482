import { ChannelError } from './channel.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * POSTs a JSON body and reads the whole answer within `timeoutMs`. Not
 * reaching the server, a dropped connection or the deadline is a transient
 * ChannelError; what the status means is the caller's to judge. Redirects
 * are not followed: a signed or authorised POST should not be replayed
 * somewhere else.
 */
export async function postJson(
  url: string,
  body: string,
  options: { headers?: Record<string, string>; timeoutMs: number },
): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : `${(error as Error).message}${(error as { cause?: Error }).cause ? `: ${(error as { cause: Error }).cause.message}` : ''}`;
    throw new ChannelError(`POST ${new URL(url).origin} failed: ${reason}`, false, { cause: error });
  }
}

/** The first line or so of a body, for an error message. */
export function excerpt(body: string): string {
  const line = body.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Statuses a later try can get past: timeout, rate limit, server trouble. Any other 3xx/4xx will not change. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
