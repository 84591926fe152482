import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { encodeIdempotencyKey } from './email-message-id.js';

/** Where email goes when no SMTP server or Gmail account is configured. */
export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

/** `20250102T100000123Z`: fixed width, so names sort by time. */
const stampLength = 'YYYYMMDDTHHMMSSmmmZ'.length;

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** The idempotency key part of an outbox file name (`<stamp>-<key>.eml`). */
function keyOf(file: string): string {
  return file.slice(stampLength + 1, -'.eml'.length);
}

/**
 * Writes each message as an RFC 822 `.eml` file, named
 * `<timestamp>-<idempotencyKey>.eml`, so a developer can open what would
 * have been sent. A key already in the outbox is not written again: a
 * retried job finds its message there.
 */
export async function writeToOutbox(
  dir: string,
  raw: Buffer,
  idempotencyKey: string,
  now = new Date(),
): Promise<{ file: string; repeated: boolean }> {
  await mkdir(dir, { recursive: true });
  const key = encodeIdempotencyKey(idempotencyKey);
  const existing = (await readdir(dir)).find((file) => file.endsWith('.eml') && keyOf(file) === key);
  if (existing) return { file: existing, repeated: true };
  const file = `${stamp(now)}-${key}.eml`;
  await writeFile(join(dir, file), raw, { flag: 'wx' });
  return { file, repeated: false };
}

/** The outbox can take messages: it exists (or can be made) and is writable. */
export async function checkOutbox(dir: string): Promise<{ ok: boolean; detail: string }> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return { ok: true, detail: `outbox ${dir}` };
  } catch (error) {
    return { ok: false, detail: `outbox ${dir} is not writable: ${(error as Error).message}` };
  }
}

export interface OutboxEntry {
  file: string;
  to: string;
  subject: string;
  /** ISO time of the message's Date header. */
  date: string;
  size: number;
}

/** The newest `limit` messages of the outbox (for `GET /api/admin/outbox`); none when it does not exist yet. */
export async function listOutbox(dir: string, limit: number): Promise<OutboxEntry[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const newest = files
    .filter((file) => file.endsWith('.eml'))
    .sort()
    .reverse()
    .slice(0, limit);
  return Promise.all(
    newest.map(async (file) => {
      const path = join(dir, file);
      const [raw, info] = await Promise.all([readFile(path), stat(path)]);
      // Only the header block: the body is not listed, and parsing it would cost for nothing.
      const end = raw.indexOf('\r\n\r\n');
      const headers = await simpleParser(end === -1 ? raw : raw.subarray(0, end + 4));
      return {
        file,
        to:
          headers.to === undefined
            ? ''
            : [headers.to]
                .flat()
                .map((address) => address.text)
                .join(', '),
        subject: headers.subject ?? '',
        date: (headers.date ?? info.mtime).toISOString(),
        size: info.size,
      };
    }),
  );
}
