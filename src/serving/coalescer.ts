/**
 * Coalesces concurrent single-row predictions into one runtime call.
 *
 * While no runtime call is running, a row waits only until the end of the current event-loop
 * turn (`setImmediate`), so every request parsed in the same I/O phase shares one call and an
 * idle server adds no latency. While calls are running (`maxInFlight`), rows queue up until one
 * finishes or `maxWaitMs` passes, whichever comes first; a queue reaching `maxBatchRows` is sent
 * at once. The batch is therefore bounded in rows and in waiting time.
 */
export interface CoalescerOptions {
  nFeatures: number;
  nClasses: number;
  /** Largest batch sent to the runtime (default 64). */
  maxBatchRows?: number;
  /** Longest a row waits for a running call to finish before its own call starts (default 2 ms). */
  maxWaitMs?: number;
  /** Runtime calls running at once before rows wait (default 1). */
  maxInFlight?: number;
  /** The runtime: row-major float32 rows in, `nRows × nClasses` probabilities out. */
  run(X: Float32Array, nRows: number): Promise<Float64Array>;
  /** Called with the row count of every runtime call. */
  onBatch?(rows: number): void;
}

export interface Coalescer {
  /** Probabilities (`nClasses` values) for one row of `nFeatures` raw values. */
  submit(row: ArrayLike<number>): Promise<Float64Array>;
  readonly stats: { calls: number; rows: number };
}

interface Pending {
  row: ArrayLike<number>;
  resolve(value: Float64Array): void;
  reject(error: unknown): void;
}

export function createCoalescer(options: CoalescerOptions): Coalescer {
  const { nFeatures, nClasses, run } = options;
  const maxBatchRows = options.maxBatchRows ?? 64;
  const maxWaitMs = options.maxWaitMs ?? 2;
  const maxInFlight = options.maxInFlight ?? 1;
  let queue: Pending[] = [];
  let inFlight = 0;
  let immediate: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stats = { calls: 0, rows: 0 };

  const cancelSchedule = () => {
    if (immediate) clearImmediate(immediate);
    if (timer) clearTimeout(timer);
    immediate = undefined;
    timer = undefined;
  };

  const flush = () => {
    cancelSchedule();
    while (queue.length > 0) {
      const batch = queue.length <= maxBatchRows ? queue : queue.slice(0, maxBatchRows);
      queue = queue.length <= maxBatchRows ? [] : queue.slice(maxBatchRows);
      dispatch(batch);
    }
  };

  const dispatch = (batch: Pending[]) => {
    const n = batch.length;
    const X = new Float32Array(n * nFeatures);
    for (let r = 0; r < n; r++) {
      const row = batch[r]!.row;
      const o = r * nFeatures;
      for (let f = 0; f < nFeatures; f++) X[o + f] = row[f]!;
    }
    inFlight++;
    stats.calls++;
    stats.rows += n;
    options.onBatch?.(n);
    run(X, n).then(
      (out) => {
        for (let r = 0; r < n; r++) batch[r]!.resolve(out.subarray(r * nClasses, (r + 1) * nClasses));
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    ).finally(() => {
      inFlight--;
      // Rows that queued behind this call go now rather than waiting out their timer.
      if (queue.length > 0 && inFlight < maxInFlight) flush();
    });
  };

  const schedule = () => {
    if (queue.length >= maxBatchRows) return flush();
    if (immediate || timer) return;
    if (inFlight < maxInFlight) immediate = setImmediate(flush);
    else timer = setTimeout(flush, maxWaitMs);
  };

  return {
    stats,
    submit(row) {
      return new Promise<Float64Array>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        schedule();
      });
    },
  };
}
