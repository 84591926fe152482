import { describe, expect, it } from 'vitest';
import { summarize } from './vitest.mjs';

const report = (counts: Partial<Record<string, number | boolean>>) => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numTotalTests: 0,
  success: true,
  ...counts,
});

describe('summarize', () => {
  it('reports passes and keeps a clean exit', () => {
    expect(summarize(0, report({ numPassedTests: 12, numTotalTests: 12 }))).toEqual({
      exitCode: 0,
      summary: 'Tests: 12 passed, 0 failed',
    });
  });

  it('adds skipped (pending + todo) only when there are some', () => {
    const result = summarize(
      1,
      report({ numPassedTests: 3, numFailedTests: 2, numPendingTests: 1, numTodoTests: 1, success: false }),
    );
    expect(result).toEqual({ exitCode: 1, summary: 'Tests: 3 passed, 2 failed, 2 skipped' });
  });

  it('fails a run in which no test ran', () => {
    expect(summarize(0, report({ numPendingTests: 4, numTotalTests: 4 })).exitCode).toBe(1);
  });

  it('treats a missing report as a crash', () => {
    expect(summarize(0, undefined)).toEqual({ exitCode: 1, summary: 'Tests: 0 passed, 1 failed' });
    expect(summarize(3, undefined)).toEqual({ exitCode: 3, summary: 'Tests: 0 passed, 1 failed' });
  });
});
