/**
 * Judging what is served on games it never saw: the `evaluate` schedule step scores each served
 * version's stored pre-kickoff predictions on games finished since it was trained; the `propose`
 * step opens a promotion proposal (the governance flow) when a challenger beats the champion on the
 * same such games by SHARPLINE_PROMOTION_MARGIN with a paired bootstrap interval over games.
 * Tests: tests/services/schedule-evaluate.test.ts.
 */
import type { AppContext } from '../context.ts';
import { isAppError } from '../../core/index.ts';
import { gameOutcomes } from '../../history/index.ts';
import { getVersion, listLiveEvaluations, listPreKickoffPredictions, saveLiveEvaluation, type DateWindow, type LiveEvaluation, type ModelAlias, type ModelVersion } from '../../registry/index.ts';
import { compareOnSameGames } from '../../training/index.ts';
import type { Actor } from '../governance/index.ts';
import { scoreLive } from './drift-service.ts';
import { getProposal, listProposals, proposePromotion } from './proposal-service.ts';
import { oncePerKey } from './schedule-service.ts';

const DAY = 86_400_000;
export const CHAMPION_ALIAS = 'champion';

type Served = ReadonlyArray<{ model: string; aliases: readonly ModelAlias[] }>;

/**
 * Where the games a version never saw begin: the day after its test window ends (the last data
 * its training run looked at), else after its training window, else its registration time.
 */
export function unseenSince(v: ModelVersion): Date {
  const w = (v.lineage.testWindow ?? v.lineage.trainWindow) as DateWindow | null | undefined;
  const end = typeof w?.to === 'string' ? Date.parse(`${w.to.slice(0, 10)}T00:00:00Z`) : NaN;
  return Number.isFinite(end) ? new Date(end + DAY) : new Date(v.createdAt);
}

/** Each version an alias points at, with its aliases (champion first). */
function versionsOf(aliases: readonly ModelAlias[]): Map<number, string[]> {
  const byVersion = new Map<number, string[]>();
  for (const a of [...aliases].sort((x, y) => (x.alias === CHAMPION_ALIAS ? -1 : y.alias === CHAMPION_ALIAS ? 1 : x.alias.localeCompare(y.alias)))) {
    byVersion.set(a.version, [...(byVersion.get(a.version) ?? []), a.alias]);
  }
  return byVersion;
}

/**
 * One run of the `evaluate` step: each served alias's version scored from its stored pre-kickoff
 * predictions of games kicking off from `unseenSince` to now that have finished (drift's live
 * score: log loss, calibration, and the market on the same games), stored in `live_evaluations`.
 * Idempotent per (model, version, as-of, games) — as-of being the kickoff of the latest game scored
 * and games how many were — so a repeated run stores nothing, and a late result scores anew.
 */
export async function evaluateServed(ctx: AppContext, now: Date, served: Served): Promise<Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { model, aliases } of served) {
    const entries: Record<string, unknown> = {};
    for (const [version, names] of versionsOf(aliases)) {
      try {
        const v = await getVersion(ctx.db, model, version);
        const since = unseenSince(v);
        const live = since < now ? await scoreLive(ctx.db, v.classes, await listPreKickoffPredictions(ctx.db, v.id, { from: since, to: now })) : null;
        if (!live?.games || !live.model) {
          entries[`v${version}`] = { aliases: names, since: since.toISOString(), games: 0 };
          continue;
        }
        const stored = await saveLiveEvaluation(ctx.db, {
          model, version, asOf: live.lastKickoff!, games: live.games, since: since.toISOString(), aliases: names,
          logLoss: live.model.logLoss, calibrationError: live.model.calibrationError,
          market: live.market && { games: live.market.games, logLoss: live.market.logLoss, modelLogLoss: live.market.modelLogLoss },
          evaluatedAt: now.toISOString(),
        });
        entries[`v${version}`] = { aliases: names, since: since.toISOString(), asOf: live.lastKickoff, games: live.games, logLoss: live.model.logLoss, market: live.market, stored };
      } catch (error) {
        ctx.logger.warn({ model, version, err: error }, 'evaluate step: version failed');
        entries[`v${version}`] = { aliases: names, error: (error as Error).message.slice(0, 500) };
      }
    }
    out[model] = entries;
  }
  return out;
}

/** A challenger against the champion on the same unseen finished games. */
export interface ChallengerVerdict {
  challenger: string;
  champion: string;
  since: string;
  games: number;
  /** Challenger minus champion mean log loss per game, with its paired bootstrap interval (negative: the challenger is better). */
  difference: { mean: number; lo: number; hi: number; level: number } | null;
  status: 'too-few-games' | 'not-better' | 'incomparable' | 'proposed' | 'waiting';
  proposal?: { id: number; status: string };
  note?: string;
}

async function judge(ctx: AppContext, actor: Actor, model: string, champion: ModelVersion, challenger: ModelVersion, alias: string, now: Date): Promise<ChallengerVerdict> {
  const { promotionMargin: margin, promotionLevel: level, promotionMinGames: minGames } = ctx.config.schedules;
  const since = new Date(Math.max(unseenSince(champion).getTime(), unseenSince(challenger).getTime()));
  const base: ChallengerVerdict = { challenger: `${alias} v${challenger.version}`, champion: `${CHAMPION_ALIAS} v${champion.version}`, since: since.toISOString(), games: 0, difference: null, status: 'too-few-games' };
  if (JSON.stringify(champion.classes) !== JSON.stringify(challenger.classes)) return { ...base, status: 'incomparable' };
  if (since >= now) return base;
  const [pc, px] = await Promise.all([champion, challenger].map((v) => listPreKickoffPredictions(ctx.db, v.id, { from: since, to: now })));
  const byGame = new Map(pc!.map((p) => [p.gameId, p.probabilities]));
  const both = px!.filter((p) => byGame.has(p.gameId));
  const outcomes = await gameOutcomes(ctx.db, both.map((p) => p.gameId));
  const ys = both.map((p) => {
    const y = champion.classes.indexOf(outcomes.get(p.gameId) ?? '');
    return y >= 0 ? y : null;
  });
  // The same comparison as `models compare`: scored on the common games, the reference's log loss minus the other's per game, bootstrapped.
  const cmp = compareOnSameGames(ys, { challenger: both.map((p) => p.probabilities), champion: both.map((p) => byGame.get(p.gameId)!) }, { reference: 'challenger', level });
  const d = cmp.differences?.champion;
  const verdict: ChallengerVerdict = { ...base, games: cmp.n, difference: d ? { mean: d.mean, lo: d.lo, hi: d.hi, level: d.level } : null };
  if (cmp.n < minGames || !d) return verdict;
  if (!(-d.mean >= margin && d.hi < 0)) return { ...verdict, status: 'not-better' };
  const note = `scheduled: ${verdict.challenger} beats ${verdict.champion} on ${cmp.n} finished games since ${since.toISOString().slice(0, 10)} it never saw: log loss ${d.mean.toFixed(4)} per game (${Math.round(level * 100)}% paired bootstrap interval ${d.lo.toFixed(4)}..${d.hi.toFixed(4)}; margin ${margin})`;
  try {
    // One proposal per (model, challenger version), ever: a rejected one is a decision, not asked again.
    const { result } = await oncePerKey(ctx.db, 'propose', `${model}|v${challenger.version}`, now, async () => {
      const open = (await listProposals(ctx.db, { model, status: 'pending' })).find((p) => p.alias === CHAMPION_ALIAS && p.version === challenger.version);
      return { proposal: open ? open.id : (await proposePromotion(ctx, actor, { model, alias: CHAMPION_ALIAS, version: challenger.version, note })).id };
    });
    const p = await getProposal(ctx.db, Number(result.proposal));
    return { ...verdict, status: 'proposed', proposal: { id: p.id, status: p.status }, note };
  } catch (error) {
    // Another version's proposal is pending: wait for a human to decide it (nothing marked done).
    if (isAppError(error) && error.code === 'CONFLICT') return { ...verdict, status: 'waiting', note: error.message };
    throw error;
  }
}

/**
 * One run of the `propose` step: each served model's challengers (every alias but the champion on
 * another version) against its champion on the finished games after both were trained, from
 * their stored pre-kickoff predictions only. A challenger whose mean log loss per game is lower by
 * at least SHARPLINE_PROMOTION_MARGIN, on at least SHARPLINE_PROMOTION_MIN_GAMES games, with the
 * SHARPLINE_PROMOTION_LEVEL paired bootstrap interval of the difference below zero, gets a
 * promotion proposal for the champion alias, made by `actor`. Idempotent per (model, challenger
 * version): at most one proposal ever (schedule_steps key `model|vN`, and the governance flow's one
 * pending proposal per alias).
 */
export async function proposeChallengers(ctx: AppContext, now: Date, served: Served, actor: Actor): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const { model, aliases } of served) {
    const championAlias = aliases.find((a) => a.alias === CHAMPION_ALIAS);
    if (!championAlias) continue;
    const verdicts: Array<ChallengerVerdict | { challenger: string; error: string }> = [];
    try {
      const champion = await getVersion(ctx.db, model, championAlias.version);
      for (const [version, names] of versionsOf(aliases)) {
        if (version === champion.version) continue;
        try {
          verdicts.push(await judge(ctx, actor, model, champion, await getVersion(ctx.db, model, version), names[0]!, now));
        } catch (error) {
          ctx.logger.warn({ model, version, err: error }, 'propose step: challenger failed');
          verdicts.push({ challenger: `${names[0]} v${version}`, error: (error as Error).message.slice(0, 500) });
        }
      }
    } catch (error) {
      verdicts.push({ challenger: '*', error: (error as Error).message.slice(0, 500) });
    }
    out[model] = verdicts;
  }
  return out;
}

/** The latest stored live evaluation of each version (of one model, or all), as the `evaluate` step stored it. */
export async function latestLiveEvaluations(ctx: Pick<AppContext, 'db'>, model?: string): Promise<LiveEvaluation[]> {
  return listLiveEvaluations(ctx.db, model);
}
