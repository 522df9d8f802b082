import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Logger } from '../../core/index.ts';

/** One sampled prediction, as written for later monitoring (drift, calibration in production). */
export interface PredictionLogEntry {
  at: string;
  model: string;
  version: number;
  /** 'instances' (raw features), 'games' (online features) or 'v2'. */
  source: string;
  gameId?: number | null;
  features: number[];
  probabilities: number[];
}

/** Where sampled entries go; called off the request path with a batch. */
export interface PredictionSink {
  write(entries: readonly PredictionLogEntry[]): Promise<void>;
}

export interface PredictionLogOptions {
  /** Fraction of predicted rows recorded, 0..1 (0 turns logging off). */
  sampleRate: number;
  /** Entries held before new ones are dropped (counted) — the buffer never grows past it. */
  maxBuffer?: number;
  flushEveryMs?: number;
  sink: PredictionSink;
  logger?: Logger;
  onDropped?(n: number): void;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
}

/**
 * Sampled, bounded, asynchronous prediction log. `record` costs one random draw on the request
 * path; building the entry (a thunk) happens only for sampled rows, and writing happens on a
 * timer, so a slow sink can only drop entries, never delay a response.
 */
export interface PredictionLog {
  /** Maybe records one row; `entry` is called only if the row is sampled. */
  record(entry: () => PredictionLogEntry): void;
  /**
   * Draws whether the next row is sampled (counted as sampled when it is); a sampled row is then
   * given to `add`. `record` in two steps, for a hot path that builds no thunk per row.
   */
  sample(): boolean;
  /** Buffers a sampled entry (after `sample()` said yes), or drops it, counted, when the buffer is full. */
  add(entry: PredictionLogEntry): void;
  readonly sampleRate: number;
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  readonly stats: { sampled: number; written: number; dropped: number; failed: number };
  close(): Promise<void>;
}

export function createPredictionLog(options: PredictionLogOptions): PredictionLog {
  const sampleRate = Math.min(1, Math.max(0, options.sampleRate));
  const maxBuffer = options.maxBuffer ?? 10_000;
  const flushEveryMs = options.flushEveryMs ?? 1000;
  const random = options.random ?? Math.random;
  const stats = { sampled: 0, written: 0, dropped: 0, failed: 0 };
  let buffer: PredictionLogEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return writing;
    const batch = buffer;
    buffer = [];
    // Writes are chained so entries reach the sink in order, one batch at a time.
    writing = writing.then(async () => {
      try {
        await options.sink.write(batch);
        stats.written += batch.length;
      } catch (error) {
        stats.failed += batch.length;
        options.logger?.warn({ err: error, entries: batch.length }, 'prediction log write failed; entries lost');
      }
    });
    return writing;
  };

  const sample = (): boolean => {
    if (sampleRate === 0 || closed || random() >= sampleRate) return false;
    stats.sampled++;
    return true;
  };
  const add = (entry: PredictionLogEntry): void => {
    if (buffer.length >= maxBuffer) {
      stats.dropped++;
      options.onDropped?.(1);
      return;
    }
    buffer.push(entry);
    if (!timer) {
      timer = setTimeout(() => void flush(), flushEveryMs);
      timer.unref();
    }
  };

  return {
    sampleRate,
    stats,
    record(entry) {
      if (sample()) add(entry());
    },
    sample,
    add,
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}

/** The prediction log's folder under a home: `<home>/prediction-log`. */
export function predictionLogDir(home: string): string {
  return join(home, 'prediction-log');
}

/** `predictions-YYYY-MM-DD.jsonl` → its UTC day, else null. */
export function predictionLogDay(file: string): string | null {
  const m = /^predictions-(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(file);
  return m ? m[1]! : null;
}

export interface PredictionLogQuery {
  model: string;
  version: number;
  /** Entries with `at` in [from, to). */
  from: Date;
  to: Date;
  /** Most entries returned (default 100 000); the rest are counted in `skipped`. */
  limit?: number;
}

/**
 * Reads a version's logged rows from the day files of the window, streaming line by line. Lines
 * that do not parse (a write cut by a crash) are counted, not fatal. A missing folder is no rows.
 */
export async function readPredictionLog(dir: string, q: PredictionLogQuery): Promise<{ entries: PredictionLogEntry[]; skipped: number; unreadable: number }> {
  const limit = q.limit ?? 100_000;
  const fromDay = q.from.toISOString().slice(0, 10);
  const toDay = q.to.toISOString().slice(0, 10);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => {
      const day = predictionLogDay(f);
      return day !== null && day >= fromDay && day <= toDay;
    }).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: 0, unreadable: 0 };
    throw error;
  }
  const entries: PredictionLogEntry[] = [];
  let skipped = 0;
  let unreadable = 0;
  const fromMs = q.from.getTime();
  const toMs = q.to.getTime();
  for (const f of files) {
    const lines = createInterface({ input: createReadStream(join(dir, f), 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let e: PredictionLogEntry;
      try {
        e = JSON.parse(line) as PredictionLogEntry;
      } catch {
        unreadable++;
        continue;
      }
      if (e.model !== q.model || e.version !== q.version || !Array.isArray(e.features)) continue;
      const at = Date.parse(e.at);
      if (!(at >= fromMs && at < toMs)) continue;
      if (entries.length >= limit) skipped++;
      else entries.push(e);
    }
  }
  return { entries, skipped, unreadable };
}

/**
 * Archives the day files older than `beforeDay` ('YYYY-MM-DD', exclusive): each gzipped to
 * `<archiveDir>/predictions-YYYY-MM-DD.jsonl.gz` (written whole, then renamed), then removed from
 * the log. `dryRun` lists them only. Returns the day files, oldest first.
 */
export async function archivePredictionLog(dir: string, archiveDir: string, beforeDay: string, dryRun = false): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => {
      const day = predictionLogDay(f);
      return day !== null && day < beforeDay;
    }).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (dryRun || !files.length) return files;
  await mkdir(archiveDir, { recursive: true });
  for (const f of files) {
    const target = join(archiveDir, `${f}.gz`);
    await writeFile(`${target}.tmp`, gzipSync(await readFile(join(dir, f))), { flush: true });
    await rename(`${target}.tmp`, target);
    await rm(join(dir, f), { force: true });
  }
  return files;
}

/** JSON lines, one file per UTC day: `<dir>/predictions-YYYY-MM-DD.jsonl`. */
export function createFileSink(dir: string): PredictionSink {
  let made: Promise<unknown> | undefined;
  return {
    async write(entries) {
      made ??= mkdir(dir, { recursive: true });
      await made;
      const day = new Date().toISOString().slice(0, 10);
      await appendFile(join(dir, `predictions-${day}.jsonl`), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    },
  };
}

/** Keeps entries in an array (tests, benchmarks). */
export function createMemorySink(): PredictionSink & { entries: PredictionLogEntry[] } {
  const entries: PredictionLogEntry[] = [];
  return {
    entries,
    async write(batch) {
      entries.push(...batch);
    },
  };
}
