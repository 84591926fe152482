import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminApiKey } from './admin-key.mjs';

describe('adminApiKey', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-admin-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('generates a key once, keeps it private, and returns the same one afterwards', () => {
    const dataDir = fresh();
    const first = adminApiKey({}, dataDir);
    expect(first.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.file).toBe(path.join(dataDir, 'secrets', 'admin-api-key'));
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(first.created).toBe(true);
    const again = adminApiKey({}, dataDir);
    expect(again).toMatchObject({ key: first.key, created: false });
  });

  it('uses ADMIN_API_KEY when set and writes nothing', () => {
    const dataDir = fresh();
    expect(adminApiKey({ ADMIN_API_KEY: 'operator-chosen-key-000000000' }, dataDir)).toEqual({
      key: 'operator-chosen-key-000000000',
      file: undefined,
      created: false,
    });
  });
});
