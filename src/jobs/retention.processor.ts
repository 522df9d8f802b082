import { operatorActor } from '../governance/index.ts';
import { runRetention, type RetentionServiceContext } from '../services/index.ts';

/**
 * The retention job's processor, for the schedules to run (sch17's plumbing): it only adapts the
 * job to `runRetention` (the same call as `sharpline retention run`), acting as the operator
 * `retention`. Idempotent: what one run archived and pruned is gone, so a repeated run does nothing.
 */
export function createRetentionProcessor(ctx: RetentionServiceContext): (job?: { data?: { dryRun?: boolean } }) => Promise<{ predictionLogFiles: number; auditRows: number; providerOdds: number; erasedSubjects: number; dryRun: boolean }> {
  return async (job) => {
    const r = await runRetention(ctx, operatorActor('retention'), { dryRun: job?.data?.dryRun });
    return { predictionLogFiles: r.predictionLog.files.length, auditRows: r.audit.rows, providerOdds: r.providerOdds.odds, erasedSubjects: r.erasedSubjects.length, dryRun: r.dryRun };
  };
}
