/**
 * The `predict` step: every upcoming game kicking off within SHARPLINE_PREDICT_HORIZON_HOURS of the
 * schedules' clock is predicted by every served alias's version and stored as its pre-kickoff
 * prediction, so it can be scored honestly once the game has finished (tests: tests/services/schedule-predict.test.ts).
 */
import type { AppContext } from '../context.ts';
import { AppError, type Db } from '../../core/index.ts';
import { findGameIds } from '../../history/index.ts';
import { getVersion, listPreKickoffPredictions, savePreKickoffPredictions, type ModelAlias, type PreKickoffPredictionInput } from '../../registry/index.ts';
import type { PredictionItem } from '../serving/index.ts';
import { predict } from './predict-service.ts';

const HOUR = 3_600_000;

/** Scheduled games of `competitions` (null: any) kicking off in (now, now + horizon]. */
async function upcomingGameIds(db: Db, competitions: readonly string[] | null, now: Date, to: Date): Promise<number[]> {
  // findGameIds takes [from, to): one millisecond on each side makes it (now, to].
  const query = { from: new Date(now.getTime() + 1).toISOString(), to: new Date(to.getTime() + 1).toISOString(), status: 'scheduled' };
  const ids = competitions?.length ? (await Promise.all(competitions.map((competition) => findGameIds(db, { ...query, competition })))).flat() : await findGameIds(db, query);
  return [...new Set(ids)];
}

export interface PredictStepEntry {
  aliases: string[];
  /** Upcoming games in the horizon. */
  upcoming: number;
  /** Stored now, and stored by an earlier run (never predicted again). */
  stored: number;
  existing: number;
  /** Games that could not be predicted (their error), each tried again at the next run. */
  failed?: Array<{ gameId: number; error: string }>;
  error?: string;
}

/**
 * Predicts games one batch at a time through the same use case as the HTTP route (online
 * features, the served version); a batch failing is retried game by game so one unpredictable
 * game (say, a team the feature store cannot resolve) does not hold back the others.
 */
async function predictEach(ctx: AppContext, model: string, version: number, gameIds: number[]): Promise<{ items: PredictionItem[]; failed: Array<{ gameId: number; error: string }> }> {
  const items: PredictionItem[] = [];
  const failed: Array<{ gameId: number; error: string }> = [];
  const size = Math.max(1, ctx.config.maxPredictRows);
  for (let i = 0; i < gameIds.length; i += size) {
    const batch = gameIds.slice(i, i + size);
    try {
      items.push(...(await predict(ctx, { ref: { model, version }, games: batch.map((gameId) => ({ gameId })) })).predictions);
    } catch (error) {
      // A version that cannot predict games at all fails the same way for one game: report it once.
      if (error instanceof AppError && ['MODEL_FEATURES_UNAVAILABLE', 'MODEL_VERSION_NOT_READY', 'MODEL_VERSION_NOT_FOUND', 'MODEL_NOT_FOUND'].includes(error.code)) throw error;
      for (const gameId of batch) {
        try {
          items.push(...(await predict(ctx, { ref: { model, version }, games: [{ gameId }] })).predictions);
        } catch (e) {
          failed.push({ gameId, error: (e as Error).message.slice(0, 300) });
        }
      }
    }
  }
  return { items, failed };
}

/**
 * One run of the `predict` step over the served models. Idempotent per (version, game): games
 * a version already has a stored prediction for are not predicted again, and the store keeps the
 * first prediction anyway (primary key, ON CONFLICT DO NOTHING), so a repeated or concurrent run
 * stores nothing twice. Never at or after kickoff: only games kicking off after the clock's now are
 * asked for, and the store refuses a prediction made at or after kickoff. A version serving under
 * several aliases is predicted once, stored under the first alias.
 */
export async function predictUpcoming(ctx: AppContext, now: Date, served: ReadonlyArray<{ model: string; aliases: readonly ModelAlias[] }>): Promise<Record<string, unknown>> {
  const to = new Date(now.getTime() + ctx.config.schedules.predictHorizonHours * HOUR);
  const out: Record<string, Record<string, PredictStepEntry>> = {};
  for (const { model, aliases } of served) {
    const byVersion = new Map<number, string[]>();
    for (const a of [...aliases].sort((x, y) => (x.alias === 'champion' ? -1 : y.alias === 'champion' ? 1 : x.alias.localeCompare(y.alias)))) {
      byVersion.set(a.version, [...(byVersion.get(a.version) ?? []), a.alias]);
    }
    const entries: Record<string, PredictStepEntry> = {};
    for (const [version, names] of byVersion) {
      const entry: PredictStepEntry = { aliases: names, upcoming: 0, stored: 0, existing: 0 };
      entries[`v${version}`] = entry;
      try {
        const v = await getVersion(ctx.db, model, version);
        const competitions = Array.isArray(v.lineage.competitions) ? (v.lineage.competitions as string[]) : null;
        const upcoming = await upcomingGameIds(ctx.db, competitions, now, to);
        entry.upcoming = upcoming.length;
        if (!upcoming.length) continue;
        const have = new Set((await listPreKickoffPredictions(ctx.db, v.id, { from: now, to: new Date(to.getTime() + 1) })).map((p) => p.gameId));
        const todo = upcoming.filter((id) => !have.has(id));
        entry.existing = upcoming.length - todo.length;
        if (!todo.length) continue;
        const { items, failed } = await predictEach(ctx, model, version, todo);
        if (failed.length) entry.failed = failed;
        const rows: PreKickoffPredictionInput[] = items
          .filter((p) => p.game?.gameId != null && Date.parse(p.game.kickoff) > now.getTime())
          .map((p) => ({
            gameId: p.game!.gameId!,
            kickoff: p.game!.kickoff,
            predictedAt: now,
            probabilities: v.classes.map((c) => p.probabilities[c]!),
            features: Object.values(p.features),
            alias: names[0]!,
          }));
        const saved = await savePreKickoffPredictions(ctx.db, v.id, rows);
        entry.stored = saved.stored;
        entry.existing += saved.existing;
      } catch (error) {
        ctx.logger.warn({ model, version, err: error }, 'predict step: version failed');
        entry.error = (error as Error).message.slice(0, 500);
      }
    }
    out[model] = entries;
  }
  return out;
}
