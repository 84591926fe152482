import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvLine } from './leads-csv.js';

describe('lead CSV fields', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [' padded ', '" padded "'],
    ['=1+2', "'=1+2"],
    ['+1 555 0100', "'+1 555 0100"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', `"'\rCR"`],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['a=b', 'a=b'],
  ])('%j is written %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it('writes null as an empty field and rows in header order, CRLF-terminated', () => {
    expect(csvField(null)).toBe('');
    expect(csvHeader).toBe('session_id,name,email,income,income_bucket,completed_at,created_at\r\n');
    expect(
      csvLine({
        session_id: 's1',
        name: 'Ada',
        email: null,
        income: '=cmd',
        income_bucket: null,
        completed_at: '2025-01-01T00:00:00.000Z',
        created_at: '2024-12-31T23:00:00.000Z',
      }),
    ).toBe("s1,Ada,,'=cmd,,2025-01-01T00:00:00.000Z,2024-12-31T23:00:00.000Z\r\n");
  });
});
