import type { UsageLogPayload } from '@switchboard/contracts/chat';
import { UnrecoverableError } from 'bullmq';

/** 002 gave its usage service five seconds. */
const timeoutMs = 5_000;

/**
 * 002's usage service (`POST {PAPITA_API_URL}/api/usage/log`). 002 posted
 * inline and only printed failures; here it runs in a job: a refusal that a
 * retry cannot change (4xx) ends it, anything else is retried with backoff.
 */
export class UsageLogClient {
  private readonly url: string;

  constructor(baseUrl: string) {
    this.url = new URL('api/usage/log', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  }

  async send(entry: UsageLogPayload): Promise<number> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(entry),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new Error(
        `the usage service did not answer: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await response.body?.cancel();
    if (response.ok) return response.status;
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    const why = `the usage service answered ${response.status}`;
    throw retryable ? new Error(why) : new UnrecoverableError(why);
  }
}
