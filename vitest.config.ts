import { defineConfig } from 'vitest/config';

/**
 * The suite on vitest. Files run in parallel, each in a forked process of its own (two at a time: the
 * 2-core budget; TEST_CONCURRENCY changes it); every file works in its own Postgres schema and BullMQ
 * prefix, so parallel files never see each other. Tests inside a file run in order, as they did on
 * node:test. Waits are long because real trainings and imports run on a shared, loaded machine; each
 * wait inside a test is bounded by the test itself.
 */
const workers = Number(process.env.TEST_CONCURRENCY ?? 2);

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: workers,
    fileParallelism: workers > 1,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**', 'features/**', 'training/**', 'registry/**', 'models/**', 'history/**', 'core/**'],
      exclude: ['**/*.d.ts', 'src/db/migrations/**'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
    },
  },
});
