import { painter, wantsColor } from './colors.mjs';

/**
 * Numbered progress lines (`▸ [2/5] building…` then `✓ built in 3.1s`), so a
 * slow first run shows where the time goes.
 *
 * @param {number} total
 * @param {NodeJS.WriteStream} [out]
 */
export function createProgress(total, out = process.stdout) {
  const paint = painter(wantsColor(out));
  let index = 0;
  /**
   * @template T
   * @param {string} doing shown while the step runs
   * @param {string | ((result: T) => string) | null} done shown when it succeeded;
   *   null when the work reports its own outcome
   * @param {() => Promise<T> | T} work
   * @returns {Promise<T>}
   */
  return async function step(doing, done, work) {
    index += 1;
    out.write(`${paint('cyan', '▸')} [${index}/${total}] ${doing}…\n`);
    const startedAt = performance.now();
    const result = await work();
    if (done === null) return result;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    const label = typeof done === 'function' ? done(result) : done;
    out.write(`${paint('green', '✓')} ${label} in ${seconds}s\n`);
    return result;
  };
}
