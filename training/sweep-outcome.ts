import type { Db } from '../core/index.ts';
import { getVersion } from '../registry/index.ts';
import type { RunStatus } from './run-store.ts';
import type { SweepTrialRecord } from './sweep-store.ts';
import type { SweepValue } from './sweep-spec.ts';

/** A trial with its scores: the validation log loss chooses, the test log loss is only shown. */
export interface ScoredTrial {
  trial: number;
  params: Record<string, SweepValue>;
  runId: string;
  status: RunStatus;
  model: string | null;
  version: number | null;
  /** Mean log loss on the validation slice (the training window's held-out end), at the best epoch. */
  validationLogLoss: number | null;
  /** Mean log loss on the test window: reported, never used to choose. */
  testLogLoss: number | null;
  error: { code: string; message: string } | null;
}

/**
 * Each trial's scores: for a succeeded run, its version's validation loss (the trainer's
 * `bestValLoss`, stored in the version's evaluation) and its test-window log loss.
 */
export async function scoreTrials(db: Db, trials: readonly SweepTrialRecord[]): Promise<ScoredTrial[]> {
  return Promise.all(
    trials.map(async (t) => {
      const model = typeof t.result?.model === 'string' ? t.result.model : null;
      const version = typeof t.result?.version === 'number' ? t.result.version : null;
      let validationLogLoss: number | null = null;
      if (t.status === 'succeeded' && model && version !== null) {
        const stored = (await getVersion(db, model, version)).evaluation as { training?: { bestValLoss?: unknown } };
        const loss = stored.training?.bestValLoss;
        validationLogLoss = typeof loss === 'number' && Number.isFinite(loss) ? loss : null;
      }
      const testLoss = (t.result?.metrics as { logLoss?: unknown } | undefined)?.logLoss;
      return {
        trial: t.trial,
        params: t.params,
        runId: t.runId,
        status: t.status,
        model,
        version,
        validationLogLoss,
        testLogLoss: t.status === 'succeeded' && typeof testLoss === 'number' ? testLoss : null,
        error: t.error,
      };
    }),
  );
}

/**
 * The best trial: the succeeded one with the lowest validation log loss (ties: the earlier
 * trial). The test window plays no part, so the winner's test score is still out of sample.
 * Undefined when no trial succeeded with a validation score.
 */
export function chooseBestTrial<T extends Pick<ScoredTrial, 'trial' | 'status' | 'validationLogLoss'>>(trials: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const t of trials) {
    if (t.status !== 'succeeded' || t.validationLogLoss === null) continue;
    if (!best || t.validationLogLoss < best.validationLogLoss! || (t.validationLogLoss === best.validationLogLoss && t.trial < best.trial)) best = t;
  }
  return best;
}
