import { AppError, type Db, pairedBootstrap, type BootstrapInterval } from '../core/index.ts';
import { getVersion, listPredictions, type ModelVersion } from '../registry/index.ts';
import { brier, logLoss, rankedProbabilityScore } from './evaluate/metrics.ts';
import { calibration, type ReliabilityBin } from './evaluate/calibration.ts';
import { compareOnSameGames } from './evaluate/compare.ts';
import { loadMarketBaseline } from '../features/index.ts';

/** The scores compared per game; all lower-is-better. */
export const COMPARED_SCORES = ['logLoss', 'brier', 'rps'] as const;
export type ComparedScore = (typeof COMPARED_SCORES)[number];

export interface VersionRef {
  model: string;
  version: string | number;
}

export interface ComparedVersion {
  model: string;
  version: number;
  classes: string[];
  lineage: ModelVersion['lineage'];
  featureNames: string[];
  /** Scores on the common games. */
  scores: Record<ComparedScore, number>;
  /** Reliability on the common games (top-label, 10 bins). */
  calibration: { ece: number; bins: ReliabilityBin[] };
}

export interface VersionComparison {
  /** Games every version scored with a known outcome (matched by game id). */
  games: number;
  /** Test games each version has, before matching. */
  gamesPerVersion: number[];
  versions: ComparedVersion[];
  /** For each later version, its difference from the first per score (later − first) with the bootstrap interval. */
  differences: Array<{ against: number; version: number; scores: Record<ComparedScore, BootstrapInterval> }>;
  /** What differs in the lineage: feature set, windows, algorithm, features added/removed (each against the first). */
  lineageDiff: Array<{ version: number; field: string; first: unknown; this: unknown }>;
  featureDiff: Array<{ version: number; added: string[]; removed: string[] }>;
  bootstrap: { resamples: number; level: number; seed: number };
}

const LINEAGE_FIELDS = ['featureSet', 'trainWindow', 'testWindow', 'algorithm', 'params', 'datasetHash', 'testDatasetHash', 'competitions', 'codeVersion', 'createdBy'] as const;

/**
 * Compares two or more READY versions on the test games they all scored: scores side by side,
 * each later version's difference from the first with a paired bootstrap over games, reliability
 * on those games, and what differs in lineage and features. Versions of different models may be
 * compared when their classes agree.
 * @throws COMPARE_INVALID (fewer than 2 or more than 6 versions, classes differ, no common games),
 *   MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_VERSION_NOT_READY
 */
export async function compareVersions(db: Db, refs: VersionRef[], options: { resamples?: number; level?: number; seed?: number } = {}): Promise<VersionComparison> {
  if (refs.length < 2 || refs.length > 6) throw new AppError('COMPARE_INVALID', `compare takes 2 to 6 versions, got ${refs.length}`, { details: { versions: refs.length } });
  const versions = await Promise.all(refs.map((r) => getVersion(db, r.model, r.version)));
  for (const v of versions) {
    if (v.status !== 'READY') throw new AppError('MODEL_VERSION_NOT_READY', `model ${v.model} version ${v.version} is ${v.status}`, { details: { model: v.model, version: v.version, status: v.status } });
  }
  const classes = versions[0]!.classes;
  const odd = versions.find((v) => v.classes.join() !== classes.join());
  if (odd) throw new AppError('COMPARE_INVALID', `${odd.model} v${odd.version} predicts ${odd.classes.join('/')}, ${versions[0]!.model} v${versions[0]!.version} predicts ${classes.join('/')}`, { details: { classes: [classes, odd.classes] } });

  const predictions = await Promise.all(versions.map((v) => listPredictions(db, v.id)));
  const byGame = predictions.map((rows) => new Map(rows.filter((p) => p.outcome !== null && classes.includes(p.outcome)).map((p) => [p.gameId, p])));
  const common = [...byGame[0]!.keys()].filter((id) => byGame.every((m) => m.has(id))).sort((a, b) => a - b);
  if (common.length === 0) {
    throw new AppError('COMPARE_INVALID', 'these versions share no scored test game (their test windows or competitions do not overlap)', { details: { gamesPerVersion: predictions.map((p) => p.length) } });
  }
  const outcomes = common.map((id) => classes.indexOf(byGame[0]!.get(id)!.outcome!));
  const rowsOf = (i: number) => common.map((id) => byGame[i]!.get(id)!.probabilities);
  const perGame = (rows: number[][], score: ComparedScore) => rows.map((row, g) => {
    const one = [row];
    const y = [outcomes[g]!];
    return score === 'logLoss' ? logLoss(one, y) : score === 'brier' ? brier(one, y) : rankedProbabilityScore(one, y);
  });
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1;
  const allRows = versions.map((_, i) => rowsOf(i));
  const losses = allRows.map((rows) => Object.fromEntries(COMPARED_SCORES.map((s) => [s, perGame(rows, s)])) as Record<ComparedScore, number[]>);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  const featureNamesOf = (v: ModelVersion) => (Array.isArray(v.evaluation.featureNames) ? (v.evaluation.featureNames as string[]) : []);
  const first = versions[0]!;
  const lineageDiff: VersionComparison['lineageDiff'] = [];
  const featureDiff: VersionComparison['featureDiff'] = [];
  for (const v of versions.slice(1)) {
    for (const field of LINEAGE_FIELDS) {
      const a = first.lineage[field] ?? null;
      const b = v.lineage[field] ?? null;
      if (JSON.stringify(a) !== JSON.stringify(b)) lineageDiff.push({ version: v.version, field, first: a, this: b });
    }
    const fa = new Set(featureNamesOf(first));
    const fb = new Set(featureNamesOf(v));
    featureDiff.push({ version: v.version, added: [...fb].filter((f) => !fa.has(f)), removed: [...fa].filter((f) => !fb.has(f)) });
  }
  return {
    games: common.length,
    gamesPerVersion: predictions.map((p) => p.length),
    versions: versions.map((v, i) => ({
      model: v.model,
      version: v.version,
      classes: v.classes,
      lineage: v.lineage,
      featureNames: featureNamesOf(v),
      scores: Object.fromEntries(COMPARED_SCORES.map((s) => [s, mean(losses[i]![s])])) as Record<ComparedScore, number>,
      calibration: (({ ece, bins }) => ({ ece, bins }))(calibration(allRows[i]!, outcomes, { mode: 'top' })),
    })),
    differences: versions.slice(1).map((v, j) => ({
      against: first.version,
      version: v.version,
      scores: Object.fromEntries(COMPARED_SCORES.map((s) => [s, pairedBootstrap(losses[j + 1]![s].map((x, g) => x - losses[0]![s][g]!), { resamples, level, seed })!])) as Record<ComparedScore, BootstrapInterval>,
    })),
    lineageDiff,
    featureDiff,
    bootstrap: { resamples, level, seed },
  };
}

export interface CompetitionBreakdown {
  model: string;
  version: number;
  /** Per competition code: games and each predictor's scores on the games all of them cover. */
  competitions: Record<string, { n: number; predictors: Record<string, { n: number; logLoss: number; brier: number; accuracy: number }> }>;
}

function marketRow(classes: readonly string[], p: Record<string, number | null> | null | undefined): number[] | null {
  if (!p) return null;
  const values = classes.map((c) => p[c]);
  if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return null;
  const sum = (values as number[]).reduce((a, b) => a + b, 0);
  return (values as number[]).map((v) => v / sum);
}

/**
 * A version's test scores per competition beside the closing and pre-closing market on the same
 * games (the stored evaluation breaks down by season only), from its stored test predictions.
 * @throws MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND
 */
export async function scoreByCompetition(db: Db, model: string, ref: string | number): Promise<CompetitionBreakdown> {
  const version = await getVersion(db, model, ref);
  const rows = (await listPredictions(db, version.id)).filter((p) => p.outcome !== null && version.classes.includes(p.outcome));
  const baseline = await loadMarketBaseline(db, rows.map((p) => p.gameId));
  const outcomes = rows.map((p) => version.classes.indexOf(p.outcome!));
  const predictors: Record<string, Array<number[] | null>> = { model: rows.map((p) => p.probabilities) };
  const closing = rows.map((p) => marketRow(version.classes, baseline.get(p.gameId)?.closing as Record<string, number | null> | undefined));
  const preclosing = rows.map((p) => marketRow(version.classes, baseline.get(p.gameId)?.preclosing as Record<string, number | null> | undefined));
  if (closing.some(Boolean)) predictors.closing = closing;
  if (preclosing.some(Boolean)) predictors.preclosing = preclosing;
  // compareOnSameGames groups by any label; here the label is the competition.
  const groups = rows.length ? (compareOnSameGames(outcomes, predictors, { seasons: rows.map((p) => p.competition || 'unknown') }).seasons ?? {}) : {};
  const competitions: CompetitionBreakdown['competitions'] = {};
  for (const [code, group] of Object.entries(groups)) {
    competitions[code] = { n: group.n, predictors: Object.fromEntries(Object.entries(group.predictors).map(([name, s]) => [name, { n: s.n, logLoss: s.logLoss, brier: s.brier, accuracy: s.accuracy }])) };
  }
  return { model: version.model, version: version.version, competitions };
}
