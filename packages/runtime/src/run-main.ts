import { readFileSync } from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { ServiceBase } from './service-base.js';

/** The `version` of the package a module belongs to (`src/` and `dist/` sit one level below it). */
export function packageVersion(moduleUrl: string): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? '0.0.0';
}

/**
 * What every `main.ts` does: read the environment once, build the service,
 * listen, and on SIGTERM/SIGINT shut down in order within the grace period
 * (exit 0), or exit 1 when it cannot.
 */
export async function runMain(
  build: (config: Config) => Promise<ServiceBase>,
  portOf: (config: Config) => number,
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const service = await build(config);
  closeWithGrace(
    { delay: config.shutdownGraceMs, logger: { error: (message: unknown) => service.logger.error(message) } },
    async ({ signal, err }) => {
      if (err) service.logger.fatal({ err }, 'unexpected error; shutting down');
      await service.stop(signal ?? (err ? 'error' : 'exit'));
    },
  );
  try {
    await service.start(portOf(config));
  } catch (error) {
    service.logger.fatal({ err: error }, 'could not start');
    await service.stop('start failed');
    process.exit(1);
  }
}
