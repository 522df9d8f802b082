/**
 * Population stability of model inputs: each feature's training distribution summarised as
 * quantile bins (stored with the version), and the population stability index (PSI) of served rows
 * against it. PSI = Σ_b (a_b − e_b) · ln(a_b / e_b) over the bins, with e the training share and a
 * the served share of rows in bin b; shares are floored at `PSI_FLOOR` so an empty bin gives a large
 * but finite term. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 a major one.
 */

/** Share below which a bin counts as this share (keeps ln finite for empty bins). */
export const PSI_FLOOR = 1e-4;

/** One feature's training distribution: interior cut points and the share of rows per bin. */
export interface FeatureBins {
  name: string;
  /** Ascending cut points; bin i holds x with edges[i-1] < x <= edges[i] (first from −∞, last to +∞). */
  edges: number[];
  /** Share of training rows per bin (edges.length + 1 of them, summing to 1). */
  proportions: number[];
}

export interface FeatureDistribution {
  method: 'quantile-bins';
  /** Training rows summarised. */
  rows: number;
  bins: number;
  features: FeatureBins[];
}

/** Index of the bin holding `x` (binary search over the cut points). */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Summarises each column of a row-major n × f matrix as up to `bins` quantile bins. Cut points are
 * the distinct k/bins quantiles below the column's maximum, so a column of few values (a flag)
 * gets one bin per value rather than empty bins.
 */
export function featureDistribution(X: ArrayLike<number>, nRows: number, featureNames: readonly string[], bins = 10): FeatureDistribution {
  const nf = featureNames.length;
  const features = featureNames.map((name, f) => {
    const col = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) col[r] = X[r * nf + f]!;
    col.sort();
    const max = nRows ? col[nRows - 1]! : 0;
    const edges: number[] = [];
    for (let k = 1; k < bins; k++) {
      const q = col[Math.min(nRows - 1, Math.floor((k * nRows) / bins))]!;
      if (nRows && q < max && (edges.length === 0 || q > edges[edges.length - 1]!)) edges.push(q);
    }
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (let r = 0; r < nRows; r++) counts[binOf(edges, col[r]!)]!++;
    return { name, edges, proportions: counts.map((c) => (nRows ? c / nRows : 0)) };
  });
  return { method: 'quantile-bins', rows: nRows, bins, features };
}

export interface FeatureStability {
  name: string;
  psi: number;
  /** Per bin: upper cut point (null for the last), training share, served share. */
  bins: { upper: number | null; expected: number; actual: number }[];
}

/**
 * PSI of served rows (each in the version's feature order) against a stored distribution, per
 * feature. Rows of another width are a caller error and throw.
 */
export function populationStability(reference: FeatureDistribution, rows: readonly (readonly number[])[]): FeatureStability[] {
  const nf = reference.features.length;
  return reference.features.map((feature, f) => {
    const counts = new Array<number>(feature.proportions.length).fill(0);
    for (const row of rows) {
      if (row.length !== nf) throw new Error(`a served row has ${row.length} values; the version has ${nf} features`);
      counts[binOf(feature.edges, row[f]!)]!++;
    }
    let psi = 0;
    const bins = feature.proportions.map((expected, b) => {
      const actual = rows.length ? counts[b]! / rows.length : 0;
      const e = Math.max(expected, PSI_FLOOR);
      const a = Math.max(actual, PSI_FLOOR);
      psi += (a - e) * Math.log(a / e);
      return { upper: b < feature.edges.length ? feature.edges[b]! : null, expected, actual };
    });
    return { name: feature.name, psi, bins };
  });
}
