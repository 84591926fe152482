import { describe, expect, it } from 'vitest';
import { formatLogLine, servicePrefix } from './log-format.mjs';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);
const clock = new Date(time).toTimeString().slice(0, 8);

describe('formatLogLine', () => {
  it('renders a pino record compactly, dropping pid/hostname/service', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 42,
      hostname: 'box',
      service: 'gateway',
      msg: 'server listening',
      port: 8080,
      url: 'http://127.0.0.1:8080',
      note: 'two words',
    });
    expect(formatLogLine(line)).toBe(
      `${clock} INFO server listening port=8080 url=http://127.0.0.1:8080 note="two words"`,
    );
  });

  it('names every pino level', () => {
    const names = [10, 20, 30, 40, 50, 60].map(
      (level) => formatLogLine(JSON.stringify({ level, time, msg: 'm' })).split(' ')[1],
    );
    expect(names).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
  });

  it('accepts level labels and ISO times', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: new Date(time).toISOString(),
      service: 'chat',
      msg: 'slow',
      ms: 12,
    });
    expect(formatLogLine(line)).toBe(`${clock} WARN slow ms=12`);
  });

  it('puts an error stack on the following lines', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' };
    const line = JSON.stringify({ level: 50, time, msg: 'request failed', err });
    expect(formatLogLine(line)).toBe(
      `${clock} ERROR request failed err=boom\nError: boom\n    at x (y.js:1:1)`,
    );
  });

  it('passes anything else through unchanged', () => {
    for (const line of ['plain text', '{not json', '{"hello":"world"}', '', '  at stack frame']) {
      expect(formatLogLine(line)).toBe(line);
    }
  });

  it('colours only when asked', () => {
    const line = JSON.stringify({ level: 40, time, msg: 'careful' });
    expect(formatLogLine(line)).not.toContain('\x1b[');
    expect(formatLogLine(line, { color: true })).toContain('\x1b[33mWARN\x1b[0m');
  });
});

describe('servicePrefix', () => {
  it('pads names to a fixed width', () => {
    expect(servicePrefix('gateway', 13, 'cyan', false)).toBe('gateway       │ ');
    expect(servicePrefix('notifications', 13, 'cyan', false)).toBe('notifications │ ');
  });
});
