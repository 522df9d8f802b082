import { AppError } from '../../core/index.ts';

/**
 * K-class probabilities for n rows: either a flat row-major `Float64Array` (n × K; K is inferred
 * from the number of outcomes) or one array per row.
 */
export type Probabilities = Float64Array | ReadonlyArray<ArrayLike<number>>;

/** Integer class indices, one per row (0-based, in the classes' order, e.g. home=0, draw=1, away=2). */
export type Outcomes = ArrayLike<number>;

/** A read-only view of n × K probabilities, whatever their layout. */
export interface ProbabilityView {
  readonly n: number;
  readonly k: number;
  get(row: number, cls: number): number;
}

function invalid(message: string, details?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { details });
}

/**
 * Checks shapes and outcomes and returns a view. Throws VALIDATION_FAILED when the layout does not
 * match the number of outcomes, rows differ in length, K < 2, or an outcome is not in 0..K-1.
 */
export function viewOf(probabilities: Probabilities, outcomes: Outcomes): ProbabilityView {
  const n = outcomes.length;
  let view: ProbabilityView;
  if (probabilities instanceof Float64Array) {
    if (n === 0) throw invalid('no rows to score');
    if (probabilities.length % n !== 0) throw invalid(`${probabilities.length} probabilities do not split into ${n} rows`);
    const k = probabilities.length / n;
    view = { n, k, get: (r, c) => probabilities[r * k + c]! };
  } else {
    if (probabilities.length !== n) throw invalid(`${probabilities.length} probability rows for ${n} outcomes`);
    if (n === 0) throw invalid('no rows to score');
    const k = probabilities[0]!.length;
    for (let r = 0; r < n; r++) {
      if (probabilities[r]!.length !== k) throw invalid(`row ${r} has ${probabilities[r]!.length} probabilities, expected ${k}`, { row: r });
    }
    view = { n, k, get: (r, c) => probabilities[r]![c]! };
  }
  if (view.k < 2) throw invalid('need at least 2 classes');
  for (let r = 0; r < n; r++) {
    const y = outcomes[r]!;
    if (!Number.isInteger(y) || y < 0 || y >= view.k) throw invalid(`outcome ${y} of row ${r} is not a class index 0..${view.k - 1}`, { row: r });
  }
  return view;
}

/** Index of the largest probability of a row (the first on ties). */
export function argmax(view: ProbabilityView, row: number): number {
  let best = 0;
  for (let c = 1; c < view.k; c++) if (view.get(row, c) > view.get(row, best)) best = c;
  return best;
}
