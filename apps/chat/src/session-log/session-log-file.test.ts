import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionLogFile } from './session-log-file.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'sb-session-log-'));
const readLines = (path: string) => readFileSync(path, 'utf8').split('\n');

describe('SessionLogFile', () => {
  it('creates the directory and appends one line per entry to that day’s file', async () => {
    const dir = join(tempDir(), 'nested', 'session-log');
    const file = new SessionLogFile(dir);
    await file.append('2026-01-02', '{"event":"session_start","session_id":"a"}');
    await file.append('2026-01-02', '{"event":"session_stop","session_id":"a"}');
    await file.append('2026-01-03', '{"event":"project_init","session_id":null}');

    expect(readLines(join(dir, 'session_2026-01-02.log'))).toEqual([
      '{"event":"session_start","session_id":"a"}',
      '{"event":"session_stop","session_id":"a"}',
      '',
    ]);
    expect(readLines(join(dir, 'session_2026-01-03.log'))).toHaveLength(2);
  });

  it('keeps concurrent appends whole and in call order', async () => {
    const dir = tempDir();
    const file = new SessionLogFile(dir);
    // Lines far larger than a pipe buffer, so a split write would show.
    const lines = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ event: 'turn', i, pad: 'x'.repeat(i * 500) }),
    );
    await Promise.all(lines.map((line) => file.append('2026-01-04', line)));
    const written = readLines(join(dir, 'session_2026-01-04.log'));
    expect(written.pop()).toBe('');
    expect(written).toEqual(lines);
  });

  it('recreates a removed directory, and goes on after a failed write', async () => {
    const dir = tempDir();
    const file = new SessionLogFile(dir);
    await file.append('2026-01-05', '{"n":1}');
    rmSync(dir, { recursive: true });
    await file.append('2026-01-05', '{"n":2}');
    expect(readLines(join(dir, 'session_2026-01-05.log'))).toEqual(['{"n":2}', '']);

    // A directory where the day's file should be: that append fails, the ones queued behind it do not.
    mkdirSync(join(dir, 'session_2026-01-06.log'));
    const outcomes = await Promise.allSettled([
      file.append('2026-01-06', '{"n":3}'),
      file.append('2026-01-05', '{"n":4}'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
    expect(readLines(join(dir, 'session_2026-01-05.log'))).toEqual(['{"n":2}', '{"n":4}', '']);
  });

  it('refuses a date that is not a day and a line that would become two', async () => {
    const file = new SessionLogFile(tempDir());
    await expect(file.append('../../etc/passwd', '{}')).rejects.toThrow(/log date/);
    await expect(file.append('2026-01-06', '{"a":1}\n{"b":2}')).rejects.toThrow(/line break/);
  });
});
