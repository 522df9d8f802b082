import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './tests/support/sequencer.ts';

/**
 * The suite on vitest. Files run in parallel, each in a forked process of its own (two at a time: the
 * 2-core budget; TEST_CONCURRENCY changes it); every file works in its own Postgres schema and BullMQ
 * prefix, so parallel files never see each other. Tests inside a file run in order, as they did on
 * node:test. Bounds are long because real trainings and imports run on a shared, loaded machine: a test
 * has 300 s (node:test's --test-timeout here before); a hook 600 s, since the real-data files import
 * seasons of history in their beforeAll (300 s was exceeded once on a machine at load 30).
 */
const workers = Number(process.env.TEST_CONCURRENCY ?? 2);

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: workers,
    fileParallelism: workers > 1,
    testTimeout: 300_000,
    hookTimeout: 600_000,
    teardownTimeout: 60_000,
    sequence: { sequencer: LongestFirstSequencer },
    coverage: {
      provider: 'v8',
      // The TypeScript of the service's folders (not its .sql files, which the SQL loader reads as text).
      include: ['{src,core,history,features,training,registry,models}/**/*.ts'],
      exclude: ['**/*.d.ts'],
      // The figure is wanted even from a run with a failure (a flaky test should not hide it).
      reportOnFailure: true,
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
    },
  },
});
