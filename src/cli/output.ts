import { AppError } from '../../core/index.ts';

/**
 * CLI output convention: data to stdout (one JSON document with --json, else readable text),
 * progress and logs to stderr, exit 0 on success and non-zero with a one-line reason.
 */
export function printResult<T>(value: T, json: boolean | undefined, human: (value: T) => string): void {
  if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(human(value) + (human(value).endsWith('\n') ? '' : '\n'));
}

/** Renders rows as an aligned text table. */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One line on stderr naming the problem; the exit code says it failed. */
export function reportFailure(error: unknown): number {
  if (error instanceof AppError) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
  return 1;
}

export { createPhasedProgress, createProgress, type Progress, type ProgressMode } from './progress.ts';
