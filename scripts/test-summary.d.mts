/** Types of scripts/test-summary.mjs, for the tests that import it. */
export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Paths of the files with a failure (a failing test, or the file itself failed). */
  failedFiles: string[];
}
export function summarize(report: unknown): TestCounts;
export function summaryLine(counts: Pick<TestCounts, 'passed' | 'failed' | 'skipped'>): string;
