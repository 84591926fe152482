import type { LlmInfo } from '@switchboard/contracts/chat';
import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';

export type CredentialSourceName = LlmInfo['credential_source'];

/** The key to use now and where it came from; `apiKey` is absent when none was found. */
export interface ResolvedCredential {
  apiKey?: string;
  source: CredentialSourceName;
}

export interface CredentialSource {
  /** The current key: cached, fetched again after the TTL or an `invalidate()`. */
  resolve(): Promise<ResolvedCredential>;
  /** Forget the cached key (the provider rejected it), so the next `resolve()` asks again. */
  invalidate(): void;
}

export interface CredentialSourceOptions {
  /** How long a key from the credential endpoint is trusted [5 min]. */
  ttlMs?: number;
  /** How long a failed fetch keeps the env fallback before the endpoint is asked again [30 s]. */
  failureTtlMs?: number;
  /** One fetch's limit [2 s, as 002]. */
  timeoutMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
}

/** 002's place for the shared OpenAI key on its credential service ("Papita"). */
const credentialPath = '/api/credentials/global/openai';

/** The field names 002 accepted for the key, in its order of preference. */
const keyPaths: ReadonlyArray<readonly string[]> = [
  ['credentials', 'credentials', 'api_key'],
  ['credentials', 'api_key'],
  ['api_key'],
  ['value'],
  ['credential_value'],
];

function keyIn(body: unknown): string | undefined {
  for (const path of keyPaths) {
    let value: unknown = body;
    for (const step of path) {
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
    }
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * Where the OpenAI key comes from: the credential endpoint when
 * `PAPITA_API_URL` is set (cached, refreshed after the TTL or a rejected
 * key), else — or whenever that endpoint fails — `OPENAI_API_KEY`.
 * Concurrent callers share one fetch. The key itself is never logged.
 */
export function createCredentialSource(
  llm: Pick<Config['llm'], 'openaiApiKey' | 'credentialUrl'>,
  options: CredentialSourceOptions = {},
): CredentialSource {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const fromEnv: ResolvedCredential = llm.openaiApiKey
    ? { apiKey: llm.openaiApiKey, source: 'local_env' }
    : { source: 'none' };
  const endpoint = llm.credentialUrl
    ? `${llm.credentialUrl.replace(/\/+$/, '')}${credentialPath}`
    : undefined;

  let cached: { credential: ResolvedCredential; expiresAt: number } | undefined;
  let inFlight: Promise<ResolvedCredential> | undefined;

  const fallBack = (reason: string): ResolvedCredential => {
    options.logger?.warn(
      { credentialSource: fromEnv.source, reason },
      'credential endpoint gave no OpenAI key; using OPENAI_API_KEY',
    );
    cached = { credential: fromEnv, expiresAt: now() + failureTtlMs };
    return fromEnv;
  };

  const fetchKey = async (url: string): Promise<ResolvedCredential> => {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return fallBack(error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable');
    }
    if (!response.ok) {
      await response.body?.cancel();
      return fallBack(`HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return fallBack('the answer was not JSON');
    }
    const apiKey = keyIn(body);
    // 002 only took keys shaped like OpenAI's, so a placeholder there never overrides a working env key.
    if (!apiKey?.startsWith('sk-')) return fallBack('no key of the form sk-… in the answer');
    const credential: ResolvedCredential = { apiKey, source: 'papita_api' };
    cached = { credential, expiresAt: now() + ttlMs };
    return credential;
  };

  return {
    async resolve() {
      if (!endpoint) return fromEnv;
      if (cached && now() < cached.expiresAt) return cached.credential;
      inFlight ??= fetchKey(endpoint).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
