import { AppError, isAppError, type Db, type Logger } from '../../core/index.ts';
import { loadMarketBaseline } from '../../features/index.ts';
import { gameOutcomes } from '../../history/index.ts';
import { getArtifact, getVersion, listDriftReports, listModels, listPreKickoffPredictions, saveDriftReport, type ModelVersion, type PreKickoffPrediction } from '../../registry/index.ts';
import { calibration, logLoss, populationStability, type FeatureDistribution } from '../../training/index.ts';
import type { Config, DriftConfig } from '../config.ts';
import { predictionLogDir, readPredictionLog, type DriftGaugeRow } from '../serving/index.ts';
import { parseModelRef, type ModelRefInput } from './model-ref.ts';

/**
 * What drift checks need: the database, the thresholds and home (config), somewhere to warn. Spelt
 * out rather than picked from AppContext: the context wires the gauges' reader from this module.
 */
export interface DriftServiceContext {
  readonly db: Db;
  readonly config: Config;
  readonly logger: Logger;
}

const DAY_MS = 86_400_000;

/** One version's drift: its served feature rows against training, its live score against the market. */
export interface DriftReport {
  model: string;
  version: number;
  /** Aliases pointing at the version when the report was made. */
  aliases: string[];
  computedAt: string;
  /** Served rows logged, and games kicking off, in [from, to). */
  window: { from: string; to: string; days: number };
  features: {
    /** `stored`: the version's `feature-distribution` artifact; `missing`: trained before it existed (no PSI). */
    reference: 'stored' | 'missing';
    referenceRows: number | null;
    /** Served rows compared: sampled prediction-log rows and the rows of stored pre-kickoff predictions. */
    rows: { log: number; stored: number; total: number; skipped: number; unreadable: number };
    /** True when the reference is stored and at least `minRows` rows were served. */
    judged: boolean;
    psi: { feature: string; psi: number }[];
    worst: { feature: string; psi: number } | null;
  };
  live: {
    /** Finished games with a prediction stored before kickoff. */
    games: number;
    /** True when at least `minGames` were scored. */
    judged: boolean;
    /** Log loss and expected calibration error (the training evaluation's default mode) of the stored predictions. */
    model: { logLoss: number; calibrationError: number } | null;
    /** The market (de-vigged closing, else pre-kickoff) and the model on the same games (those with market odds). */
    market: { games: number; logLoss: number; modelLogLoss: number; gap: number } | null;
  };
  thresholds: DriftConfig;
  /** Thresholds crossed, one sentence each (empty: nothing to say). */
  warnings: string[];
}

export interface DriftInput {
  ref: ModelRefInput;
  /** End of the window (default now). */
  now?: Date;
  /** Window length in days (default SHARPLINE_DRIFT_WINDOW_DAYS). */
  windowDays?: number;
}

function marketVector(classes: readonly string[], p: { home: number; draw: number | null; away: number }): number[] | null {
  const v = classes.map((c) => (c === 'home' ? p.home : c === 'away' ? p.away : c === 'draw' ? p.draw : null));
  return v.every((x) => x !== null) ? (v as number[]) : null;
}

/** Stored pre-kickoff predictions scored on the games among them that have finished. */
export interface LiveScore {
  /** Finished games scored. */
  games: number;
  /** Kickoff of the latest game scored (null: none). */
  lastKickoff: string | null;
  /** Log loss and expected calibration error (the training evaluation's default mode). */
  model: { logLoss: number; calibrationError: number } | null;
  /** The market (de-vigged closing, else pre-kickoff) and the model on the same games (those with market odds). */
  market: { games: number; logLoss: number; modelLogLoss: number; gap: number } | null;
}

/**
 * Scores a version's stored pre-kickoff predictions (of `classes`) on those games that have a
 * result, beside the market on the same games: the live score of drift reports and of the
 * `evaluate` schedule step. Unfinished games are left out.
 */
export async function scoreLive(db: Db, classes: readonly string[], predictions: readonly PreKickoffPrediction[]): Promise<LiveScore> {
  const outcomes = await gameOutcomes(db, predictions.map((p) => p.gameId));
  const scored = predictions.map((p) => ({ p, y: classes.indexOf(outcomes.get(p.gameId) ?? '') })).filter((s) => s.y >= 0);
  if (!scored.length) return { games: 0, lastKickoff: null, model: null, market: null };
  const probs = scored.map((s) => s.p.probabilities);
  const ys = scored.map((s) => s.y);
  const model = { logLoss: logLoss(probs, ys), calibrationError: calibration(probs, ys).ece };
  const baseline = await loadMarketBaseline(db, scored.map((s) => s.p.gameId));
  const same = scored.flatMap((s) => {
    const m = baseline.get(s.p.gameId);
    const mp = m ? (m.closing ?? m.preclosing) : null;
    const v = mp ? marketVector(classes, mp) : null;
    return v ? [{ model: s.p.probabilities, market: v, y: s.y }] : [];
  });
  let market: LiveScore['market'] = null;
  if (same.length) {
    const ys2 = same.map((s) => s.y);
    const modelLl = logLoss(same.map((s) => s.model), ys2);
    const marketLl = logLoss(same.map((s) => s.market), ys2);
    market = { games: same.length, logLoss: marketLl, modelLogLoss: modelLl, gap: modelLl - marketLl };
  }
  const lastKickoff = scored.reduce((m, s) => (s.p.kickoff > m ? s.p.kickoff : m), scored[0]!.p.kickoff);
  return { games: scored.length, lastKickoff, model, market };
}

async function versionOf(ctx: DriftServiceContext, ref: ModelRefInput): Promise<ModelVersion> {
  const { model, selector } = parseModelRef(ref);
  return getVersion(ctx.db, model, selector.version ?? selector.alias!);
}

/**
 * Computes one served version's drift report over the window ending `now`: the population
 * stability index of each feature over the rows it served (sampled prediction log plus the rows
 * of its stored pre-kickoff predictions) against the training distribution stored with it, and
 * the live log loss and calibration of its pre-kickoff predictions on games finished since,
 * beside the market's on the same games. Crossed thresholds (config `drift`) become warnings: in
 * the report, one warning log line, and — through the stored report — /readyz and the gauges.
 * @throws the reference's errors (VALIDATION_FAILED, MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_ALIAS_NOT_FOUND)
 */
export async function computeDrift(ctx: DriftServiceContext, input: DriftInput): Promise<DriftReport> {
  const { db, config, logger } = ctx;
  const t = config.drift;
  const version = await versionOf(ctx, input.ref);
  const now = input.now ?? new Date();
  const days = input.windowDays ?? t.windowDays;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new AppError('VALIDATION_FAILED', `windowDays must be a whole number in 1..3650, got ${days}`, { details: { windowDays: days } });
  const from = new Date(now.getTime() - days * DAY_MS);

  let reference: FeatureDistribution | null = null;
  try {
    reference = (await getArtifact(db, version.id, 'feature-distribution')).json as FeatureDistribution;
  } catch (error) {
    if (!isAppError(error) || error.code !== 'NOT_FOUND') throw error;
  }
  const [logged, stored] = await Promise.all([
    readPredictionLog(predictionLogDir(config.home), { model: version.model, version: version.version, from, to: now }),
    listPreKickoffPredictions(db, version.id, { from, to: new Date(now.getTime() + 366 * DAY_MS) }),
  ]);
  // Rows served in the window: logged rows, and stored predictions made in it (games may kick off later).
  const width = reference?.features.length ?? 0;
  const servedStored = stored.filter((p) => p.features && Date.parse(p.predictedAt) >= from.getTime() && Date.parse(p.predictedAt) < now.getTime());
  const rows = [...logged.entries.map((e) => e.features), ...servedStored.map((p) => p.features!)].filter((r) => r.length === width);
  const featureRows = { log: logged.entries.length, stored: servedStored.length, total: rows.length, skipped: logged.skipped, unreadable: logged.unreadable };
  const psi = reference && rows.length ? populationStability(reference, rows).map((s) => ({ feature: s.name, psi: s.psi })) : [];
  const worst = psi.reduce<{ feature: string; psi: number } | null>((w, p) => (!w || p.psi > w.psi ? p : w), null);
  const featuresJudged = reference !== null && rows.length >= t.minRows;

  // Live score: predictions of games that kicked off in the window and have finished.
  const live = await scoreLive(db, version.classes, stored.filter((p) => Date.parse(p.kickoff) < now.getTime()));
  const { model: liveModel, market: liveMarket } = live;
  const liveJudged = live.games >= t.minGames;

  const name = `${version.model} v${version.version}`;
  const warnings: string[] = [];
  if (featuresJudged) {
    for (const p of psi) if (p.psi >= t.psiWarn) warnings.push(`${name}: feature ${p.feature} PSI ${p.psi.toFixed(3)} ≥ ${t.psiWarn} over ${rows.length} served rows`);
  }
  if (liveJudged && liveMarket && liveMarket.gap > t.logLossGapWarn) {
    warnings.push(`${name}: live log loss ${liveMarket.modelLogLoss.toFixed(4)} vs market ${liveMarket.logLoss.toFixed(4)} on ${liveMarket.games} finished games (gap ${liveMarket.gap.toFixed(4)} > ${t.logLossGapWarn})`);
  }
  if (liveJudged && liveModel && liveModel.calibrationError >= t.eceWarn) {
    warnings.push(`${name}: live calibration error ${liveModel.calibrationError.toFixed(4)} ≥ ${t.eceWarn} on ${live.games} finished games`);
  }
  const report: DriftReport = {
    model: version.model,
    version: version.version,
    aliases: version.aliases,
    computedAt: now.toISOString(),
    window: { from: from.toISOString(), to: now.toISOString(), days },
    features: { reference: reference ? 'stored' : 'missing', referenceRows: reference?.rows ?? null, rows: featureRows, judged: featuresJudged, psi, worst },
    live: { games: live.games, judged: liveJudged, model: liveModel, market: liveMarket },
    thresholds: t,
    warnings,
  };
  await saveDriftReport(db, { model: report.model, version: report.version, computedAt: report.computedAt, warnings, report });
  if (warnings.length) logger.warn({ model: report.model, version: report.version, warnings }, `drift: ${warnings.join('; ')}`);
  return report;
}

/** One version's outcome in a round of checks. */
export interface DriftCheckResult {
  model: string;
  version: number;
  aliases: string[];
  warnings: string[];
  error?: string;
}

/**
 * A round of drift checks: every version an alias of some model points at (each once). One
 * version failing is logged and reported, never the end of the round. The job processor a
 * schedule runs (see src/jobs/drift.processor.ts).
 */
export async function runDriftChecks(ctx: DriftServiceContext, options: { now?: Date } = {}): Promise<{ checked: DriftCheckResult[] }> {
  const checked: DriftCheckResult[] = [];
  for (const m of await listModels(ctx.db)) {
    const byVersion = new Map<number, string[]>();
    for (const [alias, v] of Object.entries(m.aliases)) byVersion.set(v, [...(byVersion.get(v) ?? []), alias]);
    for (const [version, aliases] of [...byVersion].sort((a, b) => a[0] - b[0])) {
      try {
        const r = await computeDrift(ctx, { ref: { model: m.name, version }, now: options.now });
        checked.push({ model: m.name, version, aliases, warnings: r.warnings });
      } catch (error) {
        ctx.logger.error({ err: error, model: m.name, version }, 'drift check failed');
        checked.push({ model: m.name, version, aliases, warnings: [], error: (error as Error).message });
      }
    }
  }
  return { checked };
}

/** The latest stored reports young enough to count (SHARPLINE_DRIFT_REPORT_MAX_AGE_HOURS). */
async function recentReports(ctx: Pick<DriftServiceContext, 'db' | 'config'>, now = new Date()) {
  return listDriftReports<DriftReport>(ctx.db, new Date(now.getTime() - ctx.config.drift.reportMaxAgeHours * 3_600_000));
}

/**
 * What /readyz says about drift, from the latest stored reports (no recomputation): `ok`, or
 * `warn: …` with each warning. Drift never makes the service unready: it warns.
 */
export async function driftReadiness(ctx: Pick<DriftServiceContext, 'db' | 'config'>, now = new Date()): Promise<{ check: string; warnings: string[] }> {
  const reports = await recentReports(ctx, now);
  const warnings = reports.flatMap((r) => r.warnings);
  if (!reports.length) return { check: 'ok (no recent drift report)', warnings };
  return { check: warnings.length ? `warn: ${warnings.length} drift warning(s)` : 'ok', warnings };
}

/** The latest stored reports (young enough to count) and every warning they raise. */
export async function listLatestDrift(ctx: Pick<DriftServiceContext, 'db' | 'config'>, now = new Date()): Promise<{ reports: DriftReport[]; warnings: string[] }> {
  const reports = (await recentReports(ctx, now)).map((r) => r.report);
  return { reports, warnings: reports.flatMap((r) => r.warnings) };
}

/** The gauges' view of the latest stored reports. */
export async function driftGaugeRows(ctx: Pick<DriftServiceContext, 'db' | 'config'>): Promise<DriftGaugeRow[]> {
  return (await recentReports(ctx)).map(({ report: r }) => ({
    model: r.model,
    version: r.version,
    computedAt: Date.parse(r.computedAt) / 1000,
    rows: r.features.rows.total,
    psi: r.features.psi.map((p) => ({ feature: p.feature, value: p.psi })),
    games: r.live.games,
    modelLogLoss: r.live.model?.logLoss ?? null,
    marketLogLoss: r.live.market?.logLoss ?? null,
    calibrationError: r.live.model?.calibrationError ?? null,
    warnings: r.warnings.length,
  }));
}
