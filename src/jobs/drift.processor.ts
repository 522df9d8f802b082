import type { DriftServiceContext } from '../services/index.ts';
import { runDriftChecks } from '../services/index.ts';

/**
 * A processor that only adapts the job: one round of `runDriftChecks` (every aliased version,
 * each report stored, warnings logged). Idempotent: a repeated round recomputes and overwrites the
 * same reports. For the schedules to run (sch17's plumbing); `sharpline drift run` is the same call.
 */
export function createDriftProcessor(ctx: DriftServiceContext): () => Promise<{ checked: number; warnings: number; failed: number }> {
  return async () => {
    const { checked } = await runDriftChecks(ctx);
    return { checked: checked.length, warnings: checked.reduce((n, c) => n + c.warnings.length, 0), failed: checked.filter((c) => c.error).length };
  };
}
