import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A secret generated once and kept under `<dataDir>/secrets/<name>` (mode
 * 0600), for local runs where the operator set none. Several processes may
 * race to create it: each writes a private temp file and hard-links it into
 * place, which fails if the name exists, so a reader never sees half a secret
 * and every process ends up with the first one written.
 */
export async function loadOrCreateSecret(dataDir: string, name: string, bytes = 48): Promise<string> {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const candidate = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(candidate, randomBytes(bytes).toString('base64url'), { mode: 0o600 });
  try {
    await link(candidate, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(candidate, { force: true });
  }
  return (await readFile(file, 'utf8')).trim();
}
