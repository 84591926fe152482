import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the
// `switchboard-source` export condition), so no build is needed to run them;
// only the end-to-end tests that spawn real processes use the built `dist/`.
const sourceConditions = ['switchboard-source', 'node', 'import', 'default'];
// Vitest also hands the SSR conditions to its workers as `node --conditions`,
// where they apply to require() too: `import` there would make a CommonJS
// package's require('ws') load ws's ESM wrapper (no `WebSocket.Server`).
// Vite adds `import`/`require` by itself, and `default` always matches.
const ssrConditions = ['switchboard-source', 'node'];

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

const workspaceProjects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(`${repoRoot}${group}`)
    .filter((name) => existsSync(`${repoRoot}${group}/${name}/package.json`))
    .map((name) => ({
      extends: true as const,
      test: { name, root: `${repoRoot}${group}/${name}`, include: ['src/**/*.test.ts'] },
    })),
);

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: ssrConditions } },
  test: {
    root: repoRoot,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000,
    projects: [
      ...workspaceProjects,
      {
        extends: true,
        test: { name: 'repo', root: repoRoot, include: ['scripts/**/*.test.ts', 'infra/**/*.test.ts'] },
      },
    ],
  },
});
