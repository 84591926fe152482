import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runPnpmInherited } from './pnpm.mjs';

/**
 * @typedef {{
 *   numPassedTests: number, numFailedTests: number, numPendingTests: number,
 *   numTodoTests: number, numTotalTests: number, success: boolean,
 * }} VitestReport
 */

/**
 * Runs the root vitest attached to the terminal and reads its JSON report,
 * so the caller can end with a one-line summary that CI can grep.
 *
 * @param {import('./pnpm.mjs').Pnpm} pnpm
 * @param {string} root
 * @returns {Promise<{ exitCode: number, summary: string }>}
 */
export async function runTests(pnpm, root) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-tests-'));
  const reportFile = path.join(dir, 'test-results.json');
  // vitest gets the terminal's Ctrl-C itself; the launcher stays alive to
  // print the summary after it has wound down.
  const ignoreInterrupt = () => {};
  process.on('SIGINT', ignoreInterrupt);
  try {
    const code = await runPnpmInherited(
      pnpm,
      ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${reportFile}`],
      root,
    );
    return summarize(code, readReport(reportFile));
  } finally {
    process.off('SIGINT', ignoreInterrupt);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {string} file @returns {VitestReport | undefined} */
function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * A run that executed no test, or whose report is missing (vitest crashed),
 * fails even if vitest itself exited 0.
 *
 * @param {number} code vitest's exit code
 * @param {VitestReport | undefined} report
 */
export function summarize(code, report) {
  if (!report) return { exitCode: code || 1, summary: 'Tests: 0 passed, 1 failed' };
  const passed = report.numPassedTests ?? 0;
  const failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const summary = `Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  const broken = failed > 0 || passed + failed === 0 || report.success === false;
  return { exitCode: code !== 0 ? code : broken ? 1 : 0, summary };
}
