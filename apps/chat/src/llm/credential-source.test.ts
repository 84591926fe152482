import {
  type FakeHttpServer,
  type FakeReply,
  startFakeHttpServer,
} from '@switchboard/testkit/fake-http-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialSource } from './credential-source.js';

const path = '/api/credentials/global/openai';

describe('createCredentialSource', () => {
  let papita: FakeHttpServer;
  let reply: FakeReply;
  beforeEach(async () => {
    reply = { body: {} };
    papita = await startFakeHttpServer({ [`GET ${path}`]: () => reply });
  });
  afterEach(() => papita.close());

  const source = (options: Parameters<typeof createCredentialSource>[1] = {}, env = 'sk-env') =>
    createCredentialSource({ openaiApiKey: env, credentialUrl: `${papita.url}/` }, options);

  it('uses OPENAI_API_KEY alone when no endpoint is set, and reports none without either', async () => {
    expect(await createCredentialSource({ openaiApiKey: 'sk-env' }).resolve()).toEqual({
      apiKey: 'sk-env',
      source: 'local_env',
    });
    expect(await createCredentialSource({}).resolve()).toEqual({ source: 'none' });
  });

  it.each([
    [{ credentials: { credentials: { api_key: 'sk-a' } }, api_key: 'sk-b' }, 'sk-a'],
    [{ credentials: { credentials: { api_key: '' }, api_key: 'sk-b' } }, 'sk-b'],
    [{ api_key: 'sk-c', value: 'sk-d' }, 'sk-c'],
    [{ value: ' sk-d ' }, 'sk-d'],
    [{ credential_value: 'sk-e' }, 'sk-e'],
  ])('reads the key from 002 field order: %j → %s', async (body, key) => {
    reply = { body };
    expect(await source().resolve()).toEqual({ apiKey: key, source: 'papita_api' });
    expect(papita.requests[0]!.path).toBe(path);
  });

  it.each<[string, FakeReply]>([
    ['an HTTP error', { status: 500, body: { error: 'down' } }],
    ['a body that is not JSON', { body: 'not json' }],
    ['no key field', { body: { credentials: {} } }],
    ['a value not shaped like an OpenAI key', { body: { api_key: 'changeme' } }],
    ['a hung endpoint (timeout)', { delayMs: 3_000, body: { api_key: 'sk-late' } }],
  ])('falls back to the env key on %s', async (_label, scripted) => {
    reply = scripted;
    expect(await source({ timeoutMs: 100 }).resolve()).toEqual({ apiKey: 'sk-env', source: 'local_env' });
  });

  it('caches for the TTL, shares one fetch between concurrent callers, refetches after invalidate()', async () => {
    let clock = 0;
    const credentials = source({ ttlMs: 1_000, now: () => clock });
    reply = { body: { api_key: 'sk-one' } };
    const [first, second] = await Promise.all([credentials.resolve(), credentials.resolve()]);
    expect(first).toEqual({ apiKey: 'sk-one', source: 'papita_api' });
    expect(second).toEqual(first);
    clock = 999;
    await credentials.resolve();
    expect(papita.requests).toHaveLength(1);

    reply = { body: { api_key: 'sk-two' } };
    clock = 1_000;
    expect((await credentials.resolve()).apiKey).toBe('sk-two');
    expect(papita.requests).toHaveLength(2);

    reply = { body: { api_key: 'sk-three' } };
    credentials.invalidate();
    expect((await credentials.resolve()).apiKey).toBe('sk-three');
    expect(papita.requests).toHaveLength(3);
  });

  it('keeps a fallback for the failure TTL before asking again', async () => {
    let clock = 0;
    const credentials = source({ failureTtlMs: 100, now: () => clock });
    reply = { status: 503, body: {} };
    expect((await credentials.resolve()).source).toBe('local_env');
    expect((await credentials.resolve()).source).toBe('local_env');
    expect(papita.requests).toHaveLength(1);
    reply = { body: { api_key: 'sk-back' } };
    clock = 100;
    expect(await credentials.resolve()).toEqual({ apiKey: 'sk-back', source: 'papita_api' });
  });

  it('logs why it fell back, never the key', async () => {
    const lines: string[] = [];
    const logger = { warn: (...args: unknown[]) => lines.push(JSON.stringify(args)) };
    reply = { body: { api_key: 'not-a-key-secret' } };
    await source({ logger }).resolve();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('not-a-key-secret');
    expect(lines[0]).not.toContain('sk-env');
  });
});
