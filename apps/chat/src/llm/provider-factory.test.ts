import { loadConfig } from '@switchboard/runtime/config';
import { startFakeOpenAi } from '@switchboard/testkit/fake-openai';
import { describe, expect, it } from 'vitest';
import { createLlmProvider } from './provider-factory.js';

describe('createLlmProvider', () => {
  it('is the offline provider when no key is configured', async () => {
    const provider = createLlmProvider(loadConfig({}));
    expect(await provider.info()).toMatchObject({ provider: 'offline', offline: true });
  });

  it('is the OpenAI provider, talking to OPENAI_BASE_URL, when a key is set', async () => {
    const fake = await startFakeOpenAi();
    try {
      const provider = createLlmProvider(
        loadConfig({
          OPENAI_API_KEY: 'sk-factory-key',
          OPENAI_BASE_URL: fake.baseUrl,
          OPENAI_MODEL: 'gpt-4o',
        }),
      );
      expect(await provider.info()).toEqual({
        provider: 'openai',
        model: 'gpt-4o',
        base_url_host: new URL(fake.url).host,
        configured: true,
        credential_source: 'local_env',
        offline: false,
      });
      const events = [];
      for await (const event of provider.stream({
        model: 'gpt-4o',
        temperature: 0,
        messages: [{ role: 'user', content: 'ping' }],
        grounding: { assistant: 'general', userMessage: 'ping', passages: [] },
      }))
        events.push(event);
      expect(events.at(-1)).toMatchObject({ type: 'done', model: 'gpt-4o' });
      expect(fake.completionRequests()[0]!.headers.authorization).toBe('Bearer sk-factory-key');
    } finally {
      await fake.close();
    }
  });

  it('honours LLM_PROVIDER=offline even with a key', async () => {
    const provider = createLlmProvider(loadConfig({ LLM_PROVIDER: 'offline', OPENAI_API_KEY: 'sk-unused' }));
    expect((await provider.info()).provider).toBe('offline');
  });
});
