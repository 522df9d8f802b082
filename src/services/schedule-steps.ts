/**
 * What each scheduled step does: one use case per step, each idempotent by its own keys, called by
 * the schedule processor (BullMQ or in-process) through `runScheduledStep`.
 */
import type { AppContext } from '../context.ts';
import { fetchProviderData } from './provider-service.ts';
import type { ScheduleStepName, StepRunner } from './schedule-service.ts';

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
});
