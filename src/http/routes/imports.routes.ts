import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { listRejects, listRuns } from '../../../history/index.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const ImportRunSchema = Type.Object({
  id: Type.Integer(), source: Type.String(), status: Type.String(), files: Type.Array(Type.String()),
  rowsRead: Type.Integer(), inserted: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer(), rejected: Type.Integer(),
  pricesQuarantined: Type.Integer({ description: 'bad prices or lines quarantined alone while their game imported' }),
  unknownTeams: Type.Array(Type.String()), error: Nullable(Type.String()), startedAt: Type.String(), finishedAt: Nullable(Type.String()),
});
const RejectSchema = Type.Object({
  id: Type.Integer(), file: Type.String(), lineNo: Type.Integer(), raw: Type.String(), reasons: Type.Array(Type.String()),
  field: Nullable(Type.String({ description: 'the column of a value quarantined alone (its row imported); null when the whole row was quarantined' })),
});
const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
}, { additionalProperties: false });

/** Import runs and their quarantined rows. */
export async function importsRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/imports', {
    schema: {
      tags: ['imports'], summary: 'Import runs, newest first.',
      querystring: Type.Object({ source: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(ImportRunSchema) }), ...errorResponses(400, 500) },
    },
  }, async (request) => ({ items: await listRuns(app.ctx.db, request.query) }));

  app.get('/v1/imports/:id/rejected', {
    schema: {
      tags: ['imports'], summary: "A run's quarantine: rows (field null) and single values such as a bad price (field = its column; the game imported), with file, line number, raw text, reason codes.",
      params: Type.Object({ id: Type.String({ pattern: '^[0-9]+$' }) }), querystring: PageQuery,
      response: { 200: Type.Object({ runId: Type.Integer(), total: Type.Integer(), items: Type.Array(RejectSchema) }), ...errorResponses(400, 404, 500) },
    },
  }, async (request) => {
    const runId = Number(request.params.id);
    const page = await listRejects(app.ctx.db, runId, request.query);
    return { runId, total: page.total, items: page.rows };
  });
}
