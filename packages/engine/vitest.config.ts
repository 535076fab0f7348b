import { defineConfig } from 'vitest/config';

// Runs the engine's tests alone, without the repository-wide database setup they do not need.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/engine/src/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
