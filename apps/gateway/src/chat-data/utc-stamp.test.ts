import { describe, expect, it } from 'vitest';
import { exportFileName } from './session-export.js';
import { startedSessionId } from './session-log-routes.js';
import { utcStamp } from './utc-stamp.js';

describe('utcStamp', () => {
  const at = new Date('2025-03-04T05:06:07.890+02:00');

  it('writes the UTC date and time as YYYYMMDD_HHMMSS, without the milliseconds', () => {
    expect(utcStamp(at)).toBe('20250304_030607');
  });

  it("names 000's export files and 002's session ids with the same stamp", () => {
    expect(exportFileName('abc', at, 'jsonl')).toBe('session_abc_20250304_030607.jsonl');
    expect(startedSessionId(at)).toMatch(/^session_20250304_030607_[0-9a-f]{12}$/);
  });
});
