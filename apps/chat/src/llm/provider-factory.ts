import type { Config } from '@switchboard/runtime/config';
import type { Logger } from '@switchboard/runtime/logger';
import { type CredentialSource, createCredentialSource } from './credential-source.js';
import type { LlmProvider } from './llm-port.js';
import { createOfflineProvider } from './offline-provider.js';
import { createOpenAiProvider } from './openai-provider.js';

export interface LlmProviderDeps {
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Where the OpenAI key comes from; built from config (env key, credential endpoint) when absent. */
  credentials?: CredentialSource;
}

/** The provider `LLM_PROVIDER` names (config picks `openai` when a key or credential endpoint is set). */
export function createLlmProvider(config: Config, deps: LlmProviderDeps = {}): LlmProvider {
  if (config.llm.provider === 'offline') return createOfflineProvider();
  const credentials = deps.credentials ?? createCredentialSource(config.llm, { logger: deps.logger });
  return createOpenAiProvider(config.llm, { credentials, logger: deps.logger });
}
