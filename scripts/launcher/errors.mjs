/**
 * An expected failure the user can act on: the launcher prints only its
 * message (no stack) and exits with `exitCode`.
 */
export class LauncherError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode]
   */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'LauncherError';
    this.exitCode = exitCode;
  }
}

/**
 * Prints an error the way the launcher reports failures and returns the exit
 * code to use: only the message for a LauncherError, the stack for a bug.
 *
 * @param {unknown} error
 */
export function reportError(error) {
  if (error instanceof LauncherError) {
    process.stderr.write(`✗ ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`✗ launcher failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  return 1;
}
