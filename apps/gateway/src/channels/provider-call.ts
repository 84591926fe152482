import { AppError } from '@switchboard/runtime/app-error';

export interface ProviderAnswer {
  status: number;
  /** The parsed JSON body; undefined when the body is not JSON. */
  body: unknown;
}

/**
 * One request to an OAuth provider within the outbound deadline. Any HTTP
 * status comes back for the caller to judge; only an unreachable provider
 * (502) or a missed deadline (504) is an error here. Redirects are refused:
 * a token endpoint that redirects is not the one configured.
 */
export async function callProvider(
  provider: string,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<ProviderAnswer> {
  try {
    const response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new AppError('SB_TIMEOUT', `${provider} did not answer within ${timeoutMs} ms; try again.`);
    }
    throw new AppError('SB_UPSTREAM', `${provider} could not be reached; try again.`, undefined, {
      cause: error,
    });
  }
}

/** The OAuth `error` code a provider answered with, when it is a plain code (never free text). */
export function providerErrorCode(body: unknown): string | undefined {
  const code = (body as { error?: unknown } | undefined)?.error;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
}

/** A provider answer we cannot use, as a 502 that names the status and the provider's error code. */
export function unusableAnswer(provider: string, step: string, answer: ProviderAnswer): AppError {
  const code = providerErrorCode(answer.body);
  return new AppError(
    'SB_UPSTREAM',
    `${provider} answered ${answer.status}${code ? ` (${code})` : ''} to ${step}; try again later.`,
  );
}
