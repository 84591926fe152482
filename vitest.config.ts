import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the
// `switchboard-source` export condition), so no build is needed to run them;
// only the end-to-end tests that spawn real processes use the built `dist/`.
const sourceConditions = ['switchboard-source', 'node', 'import', 'default'];

const workspaceProjects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(group)
    .filter((name) => existsSync(`${group}/${name}/package.json`))
    .map((name) => ({
      extends: true as const,
      test: { name, root: `${group}/${name}`, include: ['src/**/*.test.ts'] },
    })),
);

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000,
    projects: [
      ...workspaceProjects,
      { extends: true, test: { name: 'repo', include: ['scripts/**/*.test.ts', 'infra/**/*.test.ts'] } },
    ],
  },
});
