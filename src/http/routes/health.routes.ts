import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';

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
    const checks: Record<string, string> = {};
    try {
      await db.query('SELECT 1');
      checks.database = 'ok';
    } catch (error) {
      checks.database = `down: ${(error as Error).message}`;
    }
    checks.queue = queues.kind === 'in-process' ? 'ok (in-process)' : (await queues.ping()) ? 'ok' : 'down: redis did not answer';
    const down = Object.entries(checks).filter(([, v]) => v.startsWith('down')).map(([k]) => k);
    return reply.status(down.length ? 503 : 200).send({ status: down.length ? `down: ${down.join(', ')}` : 'ok', checks });
  });
}
