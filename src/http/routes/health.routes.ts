import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';

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
      summary: 'Readiness: Postgres answers and, when configured, Redis answers. 503 names what is down.',
      response: {
        200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
        503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
      },
    },
  }, async (_request, reply) => {
    const { db, queues } = app.ctx;
    // Both checks run at once and each gives up after a second, so the answer comes within ~1 s
    // whatever is down; a hung dependency reads as down.
    const [database, queue] = await Promise.all([
      withinMs(db.query('SELECT 1'), READY_CHECK_MS).then(
        (answered) => (answered ? 'ok' : `down: Postgres did not answer within ${READY_CHECK_MS} ms`),
        (error: unknown) => `down: ${(error as Error).message}`,
      ),
      queues.kind === 'in-process'
        ? 'ok (in-process)'
        : queues.problem(READY_CHECK_MS).then((problem) => (problem ? `down: ${problem}` : 'ok')),
    ]);
    const checks: Record<string, string> = { database, queue };
    const down = Object.entries(checks).filter(([, v]) => v.startsWith('down')).map(([k]) => k);
    return reply.status(down.length ? 503 : 200).send({ status: down.length ? `down: ${down.join(', ')}` : 'ok', checks });
  });
}
