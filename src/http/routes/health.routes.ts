import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { driftReadiness } from '../../services/index.ts';

/** Longest each readiness check waits for its dependency, ms. */
const READY_CHECK_MS = 1000;

/** True when `work` settles within `ms`; its rejection passes through. */
async function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: AppInstance): Promise<void> {
  app.get('/healthz', {
    schema: {
      tags: ['health'],
      summary: 'Liveness: the process answers.',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: Postgres answers and, when configured, Redis answers. 503 names what is down. Drift thresholds crossed in the latest drift reports show as `checks.drift` = "warn: …" with each in `warnings`; they never make it 503.',
      response: {
        200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()), warnings: Type.Optional(Type.Array(Type.String())) }),
        503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()), warnings: Type.Optional(Type.Array(Type.String())) }),
      },
    },
  }, async (_request, reply) => {
    const { db, queues } = app.ctx;
    // The checks run at once and each gives up after a second, so the answer comes within ~1 s
    // whatever is down; a hung dependency reads as down. Drift only warns: it reads stored reports.
    let drift: { check: string; warnings: string[] } = { check: 'unknown', warnings: [] };
    const [database, queue] = await Promise.all([
      withinMs(db.query('SELECT 1'), READY_CHECK_MS).then(
        (answered) => (answered ? 'ok' : `down: Postgres did not answer within ${READY_CHECK_MS} ms`),
        (error: unknown) => `down: ${(error as Error).message}`,
      ),
      queues.kind === 'in-process'
        ? 'ok (in-process)'
        : queues.problem(READY_CHECK_MS).then((problem) => (problem ? `down: ${problem}` : 'ok')),
      withinMs(driftReadiness(app.ctx).then((d) => (drift = d)), READY_CHECK_MS).then(
        (answered) => (answered ? undefined : (drift = { check: `unknown: no answer within ${READY_CHECK_MS} ms`, warnings: [] })),
        (error: unknown) => (drift = { check: `unknown: ${(error as Error).message}`, warnings: [] }),
      ),
    ]);
    const checks: Record<string, string> = { database, queue, drift: drift.check };
    const down = Object.entries(checks).filter(([, v]) => v.startsWith('down')).map(([k]) => k);
    return reply.status(down.length ? 503 : 200).send({ status: down.length ? `down: ${down.join(', ')}` : 'ok', checks, ...(drift.warnings.length ? { warnings: drift.warnings } : {}) });
  });
}
