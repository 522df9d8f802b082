import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest file first. Two workers take files in the order given, so the suite's wall time is bounded
 * below by its longest file and above by how late a long file starts: a long file started last leaves
 * the other worker idle while it finishes. vitest's own order sorts by the last run's durations, but a
 * fresh clone (CI) has no results cache and falls back to file size, which put 4-minute files at the
 * end. So the order comes from `tests/durations.json`, the seconds each file took in a recorded run
 * (`node scripts/test-durations.mjs` writes it from vitest's results cache after a full run). Files
 * not in it (new ones, short as a rule) follow in vitest's own order.
 */
export function orderLongestFirst<T>(files: readonly T[], keyOf: (file: T) => string, seconds: Record<string, number>): T[] {
  // Array.prototype.sort is stable: files without a recorded time keep the order they came in (vitest's).
  return [...files].sort((a, b) => {
    const sa = seconds[keyOf(a)];
    const sb = seconds[keyOf(b)];
    if (sa === undefined || sb === undefined) return sa === undefined ? (sb === undefined ? 0 : 1) : -1;
    return sb - sa || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
  });
}

export function readDurations(path: string): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const files = (parsed as { files?: unknown }).files;
    if (typeof files !== 'object' || files === null) return {};
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(files)) if (typeof value === 'number') out[name] = value;
    return out;
  } catch {
    // No recorded durations (or an unreadable file): every file is "unknown", vitest's order stands.
    return {};
  }
}

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = readDurations(`${root}/tests/durations.json`);
    const inVitestOrder = await super.sort(files);
    if (Object.keys(seconds).length === 0) return inVitestOrder;
    return orderLongestFirst(inVitestOrder, (file) => relative(root, file.moduleId).split('\\').join('/'), seconds);
  }
}
