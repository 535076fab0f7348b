import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/deploy/**/*.test.ts',
      'test/security/**/*.test.ts',
    ],
    globalSetup: ['./packages/services/src/testing/global-setup.ts'],
    setupFiles: ['./packages/services/src/testing/forget-secrets.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most files wait on MariaDB, Redis, S3 and the processes they start, not on the CPU: two files
    // a core (vitest's own default is one fewer file than cores, so one at a time on two cores).
    // VITEST_MAX_WORKERS or --maxWorkers overrides it.
    maxWorkers: availableParallelism() * 2,
    // A worker process runs its files one after another with the modules it has already imported,
    // instead of importing the whole graph again for each file. Each file still makes its own
    // databases, queue prefixes, buckets and folders; what a module keeps for the process (the
    // secrets to redact) is forgotten between files (packages/services/src/testing/forget-secrets.ts).
    isolate: false,
    // On with `npm test` (--coverage). It counts code run inside the test processes; the API and
    // worker processes that the end-to-end tests spawn are not measured.
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/testing/**'],
      reporter: ['text-summary', 'json-summary', 'lcov', 'cobertura', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
