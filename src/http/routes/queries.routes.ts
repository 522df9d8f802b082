import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { ChartSettingsSchema, QuerySpecSchema, SavedQueryInputSchema, ShareIdSchema } from '../../../history/index.ts';
import { changeSaved, listSaved, openSaved, removeSaved, runExplorerQuery, runSaved, saveQuery, savedQueryOwner } from '../../services/index.ts';

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

const SavedQuerySchema = Type.Object({
  shareId: Type.String({ description: 'the id of its share link: any key that may read opens it' }),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Union([Type.Literal('query'), Type.Literal('chart')]),
  spec: QuerySpecSchema,
  chart: Type.Union([ChartSettingsSchema, Type.Null()]),
  mine: Type.Boolean({ description: 'saved by the calling key (only its owner changes or deletes it)' }),
  link: Type.String({ description: 'the share link in the console, relative to the server' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const ShareParams = Type.Object({ shareId: ShareIdSchema });
const SavedListQuery = Type.Object({ kind: Type.Optional(Type.Union([Type.Literal('query'), Type.Literal('chart')], { description: 'charts only, or plain queries only' })) });

/** The data explorer's query endpoint, and saved queries and charts (per key, shared by link). */
export async function queriesRoutes(app: AppInstance): Promise<void> {
  app.post('/v1/queries', {
    schema: {
      tags: ['explorer'],
      summary: 'Run an explorer query: filters, group-by and measures over games, odds and stored predictions, compiled to parameterised SQL (never user SQL), read-only, with a statement timeout and a row limit.',
      body: QuerySpecSchema,
      response: { 200: QueryResultSchema, ...errorResponses(400, 404, 422, 500) },
    },
  }, async (request) => runExplorerQuery(app.ctx, request.body));

  app.get('/v1/saved-queries', {
    schema: { tags: ['explorer'], summary: "The calling key's saved queries and charts, newest change first.", querystring: SavedListQuery, response: { 200: Type.Object({ saved: Type.Array(SavedQuerySchema) }) } },
  }, async (request) => ({ saved: await listSaved(app.ctx, savedQueryOwner(request.principal), request.query.kind) }));

  app.post('/v1/saved-queries', {
    schema: { tags: ['explorer'], summary: 'Saves a query document (with a chart\'s settings: a saved chart) under a name of the calling key, with a new share id.', body: SavedQueryInputSchema, response: { 201: SavedQuerySchema, ...errorResponses(400, 409) } },
  }, async (request, reply) => reply.status(201).send(await saveQuery(app.ctx, savedQueryOwner(request.principal), request.body)));

  app.get('/v1/saved-queries/:shareId', {
    schema: { tags: ['explorer'], summary: 'Opens a saved query or chart by its share id (anyone\'s: a share link).', params: ShareParams, response: { 200: SavedQuerySchema, ...errorResponses(404) } },
  }, async (request) => openSaved(app.ctx, savedQueryOwner(request.principal), request.params.shareId));

  app.put('/v1/saved-queries/:shareId', {
    schema: { tags: ['explorer'], summary: 'Replaces a saved query or chart of the calling key (name, document, chart); the share id stays.', params: ShareParams, body: SavedQueryInputSchema, response: { 200: SavedQuerySchema, ...errorResponses(400, 404, 409) } },
  }, async (request) => changeSaved(app.ctx, savedQueryOwner(request.principal), request.params.shareId, request.body));

  app.delete('/v1/saved-queries/:shareId', {
    schema: { tags: ['explorer'], summary: 'Deletes a saved query or chart of the calling key; its link stops working.', params: ShareParams, response: { 200: SavedQuerySchema, ...errorResponses(404) } },
  }, async (request) => removeSaved(app.ctx, savedQueryOwner(request.principal), request.params.shareId));

  app.post('/v1/saved-queries/:shareId/run', {
    schema: { tags: ['explorer'], summary: 'Runs the query document a share id names, as POST /v1/queries would.', params: ShareParams, response: { 200: Type.Composite([QueryResultSchema, Type.Object({ saved: Type.Object({ shareId: Type.String(), name: Type.String() }) })]), ...errorResponses(400, 404, 422, 500) } },
  }, async (request) => runSaved(app.ctx, request.params.shareId));
}
