import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The bootstrap admin API key for a local run: `ADMIN_API_KEY` when the
 * operator set one, otherwise one generated once and kept (mode 0600) under
 * `<dataDir>/secrets/admin-api-key`, so a newcomer can try every route.
 * Created through a hard link so concurrent launchers agree on one key.
 *
 * @param {NodeJS.ProcessEnv} env
 * @param {string} dataDir
 * @returns {{ key: string, file: string | undefined, created: boolean }}
 */
export function adminApiKey(env, dataDir) {
  if (env.ADMIN_API_KEY) return { key: env.ADMIN_API_KEY, file: undefined, created: false };
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, 'admin-api-key');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const candidate = path.join(dir, `.admin-api-key.${process.pid}`);
  writeFileSync(candidate, randomBytes(32).toString('base64url'), { mode: 0o600 });
  let created = true;
  try {
    linkSync(candidate, file);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    created = false;
  } finally {
    rmSync(candidate, { force: true });
  }
  return { key: readFileSync(file, 'utf8').trim(), file, created };
}
