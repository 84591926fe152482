/**
 * One way out for `start`: the first SIGINT/SIGTERM (or a fatal failure)
 * runs `cleanup` once and exits; a second signal exits at once, and the exit
 * hooks in services.mjs and redis.mjs SIGKILL whatever is still running.
 *
 * @param {() => Promise<void>} cleanup
 */
export function createShutdown(cleanup) {
  let stopping = false;

  /** @param {number} exitCode */
  async function stop(exitCode) {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping…\n');
    let code = exitCode;
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${error instanceof Error ? error.message : error}\n`);
      code = code || 1;
    }
    process.stdout.write('stopped\n');
    process.exit(code);
  }

  const onSignal = () => {
    if (stopping) {
      process.stdout.write('forced stop\n');
      process.exit(130);
    }
    void stop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return {
    stop,
    get stopping() {
      return stopping;
    },
  };
}
