#!/usr/bin/env node
// `npm run bench`: installs and builds like `npm start` (only what the bench
// package needs), then runs the benchmarks, which write BENCHMARKS.md.
// Arguments go to the runner, e.g. `npm run bench -- --duration 5`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportError } from './launcher/errors.mjs';
import { exitCodeOf, resolvePnpm } from './launcher/pnpm.mjs';
import { build, checkNode, installIfNeeded } from './launcher/steps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

try {
  checkNode();
  const pnpm = resolvePnpm(root);
  await installIfNeeded(pnpm, root);
  await build(pnpm, root, ['build', '--filter=@switchboard/bench']);
} catch (error) {
  process.exit(reportError(error));
}

const runner = spawn(process.execPath, ['bench/dist/run.js', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl-C reaches the runner too; it stops its services and exits by itself.
process.on('SIGINT', () => {});
runner.on('close', (code, signal) => process.exit(exitCodeOf(code, signal)));
