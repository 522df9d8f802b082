import type { Contribution, EngineName, ExplainStats, OutputExplanation, Player, RowExplanation } from './types.ts';

export interface RawExplanation {
  readonly engine: EngineName;
  readonly phi: Float64Array;
  readonly base: Float64Array;
  readonly prediction: Float64Array;
  readonly approximate: boolean;
  readonly stats: ExplainStats;
}

/**
 * Turns raw Shapley values of one row into the public per-output shape: contributions
 * sorted by |shap| (largest first) and the additivity residual.
 */
export function assembleRow(
  raw: RawExplanation,
  x: Float64Array,
  players: readonly Player[],
  outputNames: readonly string[],
  space: RowExplanation['outputSpace'],
): RowExplanation {
  const nOut = outputNames.length;
  const outputs: OutputExplanation[] = outputNames.map((output, k) => {
    let sum = 0;
    const contributions: Contribution[] = players.map((p, i) => {
      const shap = raw.phi[i * nOut + k];
      sum += shap;
      return { player: p.name, featureIndices: p.featureIndices, values: p.featureIndices.map((f) => x[f]), shap };
    });
    contributions.sort((a, b) => Math.abs(b.shap) - Math.abs(a.shap));
    return {
      output,
      baseValue: raw.base[k],
      prediction: raw.prediction[k],
      contributions,
      residual: Math.abs(raw.base[k] + sum - raw.prediction[k]),
    };
  });
  return {
    engine: raw.engine,
    outputSpace: space,
    players,
    phi: raw.phi,
    outputs,
    approximate: raw.approximate,
    stats: raw.stats,
  };
}

/** An engine bound to one model, background and player set; `run` explains row blocks. */
export interface Engine {
  readonly name: EngineName;
  /** Model calls spent at creation (evaluating the background). */
  readonly setupCalls: number;
  /** Base value per output in the engine's output space. */
  readonly base: Float64Array;
  run(xs: Float64Array, nExplain: number): RawExplanation[];
}
