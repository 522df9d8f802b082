import type { Db } from '../core/index.ts';
import { listPredictions, type ModelVersion } from '../registry/index.ts';
import { compareOnSameGames, type LogLossDifference } from './evaluate/index.ts';

/** A version against a market, as its evaluation stored it: model minus market log loss with its interval. */
export interface VersusMarket {
  version: number;
  against: 'preclosing' | 'closing';
  n: number;
  difference: number;
  lo: number;
  hi: number;
  /** `beats` when the whole interval is below zero, `loses` when above, else `within noise`. */
  verdict: 'beats' | 'loses' | 'within noise';
}

/**
 * Differences smaller than this per game are float32 rounding (an anchored model that kept its
 * anchor differs from the market only there), not a result: they count as zero.
 */
export const DIFFERENCE_FLOOR = 1e-5;

export function verdictOf(d: { lo: number; hi: number }): VersusMarket['verdict'] {
  return d.hi < -DIFFERENCE_FLOOR ? 'beats' : d.lo > DIFFERENCE_FLOOR ? 'loses' : 'within noise';
}

/** The stored model-vs-market intervals of a version (empty for versions evaluated before they existed). */
export function versusMarket(version: ModelVersion): VersusMarket[] {
  const comparisons = (version.evaluation as { comparisons?: Record<string, { differences?: Record<string, LogLossDifference> }> }).comparisons ?? {};
  const out: VersusMarket[] = [];
  for (const against of ['preclosing', 'closing'] as const) {
    const d = comparisons[against]?.differences?.[against];
    if (d) out.push({ version: version.version, against, n: d.n, difference: d.mean, lo: d.lo, hi: d.hi, verdict: verdictOf(d) });
  }
  return out;
}

/**
 * Two versions on the test games both stored predictions for (same class order): `b − a` log loss
 * per game with a paired bootstrap interval. Null when they share no scored game or their classes differ.
 */
export async function compareVersionPredictions(db: Db, a: ModelVersion, b: ModelVersion): Promise<(LogLossDifference & { verdict: VersusMarket['verdict'] }) | null> {
  if (JSON.stringify(a.classes) !== JSON.stringify(b.classes)) return null;
  const [pa, pb] = await Promise.all([listPredictions(db, a.id), listPredictions(db, b.id)]);
  const byGame = new Map(pa.map((p) => [p.gameId, p]));
  const outcomes: Array<number | null> = [];
  const rowsA: number[][] = [];
  const rowsB: number[][] = [];
  for (const p of pb) {
    const q = byGame.get(p.gameId);
    if (!q || p.outcome === null) continue;
    outcomes.push(a.classes.indexOf(p.outcome));
    rowsA.push(q.probabilities);
    rowsB.push(p.probabilities);
  }
  if (outcomes.length === 0) return null;
  const c = compareOnSameGames(outcomes, { [`v${b.version}`]: rowsB, [`v${a.version}`]: rowsA }, { reference: `v${b.version}` });
  const d = c.differences?.[`v${a.version}`];
  return d ? { ...d, verdict: verdictOf(d) } : null;
}
