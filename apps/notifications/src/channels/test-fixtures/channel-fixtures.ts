import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMessage } from '@switchboard/contracts/notifications';
import { type Config, loadConfig } from '@switchboard/runtime/config';
import { expect } from 'vitest';
import { ChannelError } from '../channel.js';

/** A config for channel tests: test defaults, a scratch `DATA_DIR`, plus `env`. */
export function channelTestConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-channels-')), ...env });
}

/** A feedback question as the orchestrator hands it to a channel. */
export const questionMessage: OutgoingMessage = {
  subject: 'Your answer is needed',
  text: 'Drop table orders_stg?',
  feedback: {
    request_id: 'fr-1',
    question: 'Drop table orders_stg?',
    options: ['approve', 'reject'],
    allow_free_text: false,
    answer_url: 'https://sb.example/f/tok',
    expires_at: '2025-01-04T10:00:03Z',
  },
};

/** Expects `promise` to fail with a ChannelError that is (or is not) permanent, and returns it. */
export async function expectChannelError(
  promise: Promise<unknown>,
  permanent: boolean,
): Promise<ChannelError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelError);
  expect((error as ChannelError).permanent).toBe(permanent);
  return error as ChannelError;
}
