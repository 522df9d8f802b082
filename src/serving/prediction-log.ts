import { appendFile, mkdir } from 'node:fs/promises';
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

  return {
    sampleRate,
    stats,
    record(entry) {
      if (sampleRate === 0 || closed || random() >= sampleRate) return;
      stats.sampled++;
      if (buffer.length >= maxBuffer) {
        stats.dropped++;
        options.onDropped?.(1);
        return;
      }
      buffer.push(entry());
      if (!timer) {
        timer = setTimeout(() => void flush(), flushEveryMs);
        timer.unref();
      }
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
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
