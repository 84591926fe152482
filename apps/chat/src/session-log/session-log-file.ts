import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * 002's daily session log as a file: `<dir>/session_<YYYY-MM-DD>.log`, one
 * JSON object per line (B4). Redis (stores' session-log.ts) holds the log of
 * record; this is the file operators and 002's tooling read. Each line is one
 * write() on a file opened O_APPEND, so lines from several processes never
 * split each other; within a process, appends run one after another, so
 * lines also keep their order (B7 [fix]: concurrent appends interleaved).
 */

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

export class SessionLogFile {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** The file a day's lines go to. */
  pathFor(date: string): string {
    if (!datePattern.test(date)) throw new TypeError(`invalid log date ${JSON.stringify(date)}`);
    return join(this.dir, `session_${date}.log`);
  }

  /** Appends `line` (one JSON object, no line breaks) to that day's file; resolves once it is written. */
  async append(date: string, line: string): Promise<void> {
    const path = this.pathFor(date);
    if (/[\r\n]/.test(line)) throw new TypeError('a session log line cannot contain a line break');
    const data = Buffer.from(`${line}\n`, 'utf8');
    const written = this.tail.then(() => this.write(path, data));
    // The next append waits for this one, whether it succeeded or not.
    this.tail = written.catch(() => undefined);
    await written;
  }

  private async write(path: string, data: Buffer): Promise<void> {
    // Every time, not once: the directory may be removed while the service runs (log rotation, cleanup).
    await mkdir(this.dir, { recursive: true });
    const file = await open(path, 'a');
    try {
      let offset = 0;
      // One write() normally takes the whole line; continue only if the system wrote part of it.
      while (offset < data.length) {
        const { bytesWritten } = await file.write(data, offset, data.length - offset);
        offset += bytesWritten;
      }
    } finally {
      await file.close();
    }
  }
}
