import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('SESSION_LOG_DIR', () => {
  it('defaults to session-log under DATA_DIR, and takes a directory of its own', () => {
    expect(loadConfig({}).sessionLogDir).toBe(join('.data', 'session-log'));
    expect(loadConfig({ DATA_DIR: '/var/lib/sb' }).sessionLogDir).toBe(join('/var/lib/sb', 'session-log'));
    expect(loadConfig({ DATA_DIR: '/var/lib/sb', SESSION_LOG_DIR: '/logs/al-chat' }).sessionLogDir).toBe(
      '/logs/al-chat',
    );
  });
});
