import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { QuerySpecSchema } from '../../../history/index.ts';
import { runExplorerQuery } from '../../services/index.ts';

const QueryResultSchema = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), role: Type.Union([Type.Literal('group'), Type.Literal('measure')]), type: Type.Union([Type.Literal('text'), Type.Literal('number')]) })),
  rows: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]))),
  truncated: Type.Boolean({ description: 'more rows matched than the limit' }),
  limit: Type.Integer(),
  sql: Type.String({ description: 'the parameterised statement the document compiled to ($n placeholders)' }),
  parameters: Type.Array(Type.Unknown()),
  guard: Type.Union([Type.Literal('role'), Type.Literal('read-only transaction')], { description: 'ran as the read-only database role, or in a read-only transaction where the role could not be set up' }),
  ms: Type.Number(),
});

/** The data explorer's query endpoint. */
export async function queriesRoutes(app: AppInstance): Promise<void> {
  app.post('/v1/queries', {
    schema: {
      tags: ['explorer'],
      summary: 'Run an explorer query: filters, group-by and measures over games, odds and stored predictions, compiled to parameterised SQL (never user SQL), read-only, with a statement timeout and a row limit.',
      body: QuerySpecSchema,
      response: { 200: QueryResultSchema, ...errorResponses(400, 404, 422, 500) },
    },
  }, async (request) => runExplorerQuery(app.ctx, request.body));
}
