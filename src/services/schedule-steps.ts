/**
 * What each scheduled step does: one use case per step, each idempotent by its own keys, called by
 * the schedule processor (BullMQ or in-process) through `runScheduledStep`.
 */
import type { AppContext } from '../context.ts';
import { buildFeatures } from '../../features/index.ts';
import { getRun } from '../../training/index.ts';
import { getVersion, listAliases, listModels, type ModelAlias } from '../../registry/index.ts';
import { operatorActor } from '../governance/index.ts';
import { fetchProviderData } from './provider-service.ts';
import { submitTraining } from './training-service.ts';
import { moveAlias } from './alias-service.ts';
import { runDriftChecks } from './drift-service.ts';
import { runRetention } from './retention-service.ts';
import { predictUpcoming } from './schedule-predict.ts';
import { oncePerKey, type ScheduleStepName, type StepRunner } from './schedule-service.ts';

const DAY = 86_400_000;
/** Who the schedules act as in the audit log and in runs' lineage. */
const SCHEDULE_ACTOR = operatorActor('schedule');
export const CHALLENGER_ALIAS = 'challenger';
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The models the schedules serve: SHARPLINE_SCHEDULE_MODELS, else every model with a champion; each with its aliases. */
async function servedModels(ctx: AppContext): Promise<Array<{ model: string; aliases: ModelAlias[] }>> {
  const names = ctx.config.schedules.models.length ? [...ctx.config.schedules.models] : (await listModels(ctx.db)).map((m) => m.name);
  const out: Array<{ model: string; aliases: ModelAlias[] }> = [];
  for (const model of names) {
    const aliases = await listAliases(ctx.db, model).catch(() => [] as ModelAlias[]);
    if (ctx.config.schedules.models.length || aliases.some((a) => a.alias === 'champion')) out.push({ model, aliases });
  }
  return out;
}

/** Incremental builds of every served version's feature set (each resumes from its stored snapshot). */
async function rebuildFeatures(ctx: AppContext): Promise<Record<string, unknown>> {
  const sets = new Set<string>();
  for (const { model, aliases } of await servedModels(ctx)) {
    for (const a of aliases) {
      const v = await getVersion(ctx.db, model, a.version);
      if (v.lineage.featureSet?.name) sets.add(v.lineage.featureSet.name);
    }
  }
  const out: Record<string, unknown> = {};
  for (const name of [...sets].sort()) {
    const r = await buildFeatures(ctx.db, name);
    out[name] = { mode: r.mode, reason: r.reason, games: r.gamesProcessed, rows: r.rowsWritten, watermark: r.watermark };
  }
  return out;
}

/**
 * Once per SHARPLINE_RETRAIN_DAYS of the clock, a served model's challenger (else its champion)
 * is retrained with its windows rolled forward to the day before the window starts: the same
 * spec, so the same run id when repeated (one run, one version). A run that has succeeded since
 * moves the `challenger` alias to its version, never the champion (that takes a proposal).
 */
async function retrain(ctx: AppContext, now: Date): Promise<Record<string, unknown>> {
  const period = ctx.config.schedules.retrainDays * DAY;
  const windowStart = Math.floor(now.getTime() / period) * period;
  const out: Record<string, unknown> = {};
  for (const { model, aliases } of await servedModels(ctx)) {
    const base = aliases.find((a) => a.alias === CHALLENGER_ALIAS) ?? aliases.find((a) => a.alias === 'champion');
    if (!base) continue;
    const from = await getVersion(ctx.db, model, base.version);
    const spec = (await getRun(ctx.db, from.runId)).spec;
    const testDays = Math.round((Date.parse(spec.testTo) - Date.parse(spec.testFrom)) / DAY);
    const testTo = windowStart - DAY;
    const testFrom = testTo - testDays * DAY;
    const entry: Record<string, unknown> = { from: `${base.alias} v${base.version}` };
    if (day(testTo) > spec.testTo) {
      const rolled = { ...spec, trainTo: day(testFrom - DAY), testFrom: day(testFrom), testTo: day(testTo), description: `scheduled retrain of ${model} ${base.alias} v${base.version} for the window from ${day(windowStart)}` };
      const { result } = await oncePerKey(ctx.db, 'retrain', `${model}|${day(windowStart)}`, now, async () => {
        const { run } = await submitTraining(ctx, rolled, SCHEDULE_ACTOR);
        return { runId: run.id };
      });
      entry.run = result.runId;
    }
    // Challenger moves to the newest retrained version that has finished.
    const { rows } = await ctx.db.query<{ run_id: string }>("-- Retrain runs of a model, newest window first. $1 key prefix\nSELECT result->>'runId' AS run_id FROM schedule_steps WHERE step = 'retrain' AND key LIKE $1 ORDER BY key DESC LIMIT 5", [`${model}|%`]);
    for (const r of rows) {
      const run = await getRun(ctx.db, r.run_id).catch(() => undefined);
      const version = Number(run?.result?.version);
      if (run?.status !== 'succeeded' || !Number.isInteger(version)) continue;
      const current = aliases.find((a) => a.alias === CHALLENGER_ALIAS)?.version ?? 0;
      if (version > current) {
        await moveAlias(ctx, { model, alias: CHALLENGER_ALIAS, version, actor: SCHEDULE_ACTOR });
        entry.challenger = version;
      }
      break;
    }
    out[model] = entry;
  }
  return out;
}

/** Fetches one part (odds or results) of every configured competition; a failing competition does not stop the others. */
async function fetchAll(ctx: AppContext, now: Date, part: 'odds' | 'results'): Promise<Record<string, unknown>> {
  const { provider, competitions } = ctx.config.schedules;
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const competition of competitions) {
    try {
      const r = await fetchProviderData(ctx, provider, { competition }, { now, odds: part === 'odds', results: part === 'results' });
      const g = r.games;
      out[competition] = { events: r.events, newOdds: r.newOdds, results: r.results, created: g?.created ?? 0, matched: g?.matched ?? 0, resultsRecorded: g?.results ?? 0, oddsCopied: g?.odds ?? 0, unmatched: g?.unmatched.length ?? 0 };
      if (g?.unmatched.length) ctx.logger.warn({ competition, unmatched: g.unmatched.slice(0, 20) }, `${g.unmatched.length} provider event(s) match no game`);
    } catch (error) {
      errors.push(`${competition}: ${(error as Error).message}`);
    }
  }
  if (errors.length && errors.length === competitions.length) throw new Error(errors.join('; '));
  return errors.length ? { ...out, errors } : out;
}

export const SCHEDULE_STEP_RUNNERS: Readonly<Record<ScheduleStepName, StepRunner>> = Object.freeze({
  'fetch-odds': (ctx, now) => fetchAll(ctx, now, 'odds'),
  'fetch-results': (ctx, now) => fetchAll(ctx, now, 'results'),
  'rebuild-features': (ctx) => rebuildFeatures(ctx),
  predict: async (ctx, now) => predictUpcoming(ctx, now, await servedModels(ctx)),
  retrain: (ctx, now) => retrain(ctx, now),
  // Drift overwrites each version's one stored report (a newer one kept), so a repeated run changes nothing more.
  drift: async (ctx, now) => {
    const { checked } = await runDriftChecks(ctx, { now });
    return { checked: checked.length, warnings: checked.reduce((n, c) => n + c.warnings.length, 0), failed: checked.filter((c) => c.error).map((c) => `${c.model} v${c.version}: ${c.error}`) };
  },
  // What one run archived and pruned is gone, so a repeated run finds nothing more to do.
  retention: async (ctx, now) => {
    const r = await runRetention(ctx, SCHEDULE_ACTOR, { now });
    return { predictionLogFiles: r.predictionLog.files.length, auditRows: r.audit.rows, providerOdds: r.providerOdds.odds, erasedSubjects: r.erasedSubjects.length };
  },
});
