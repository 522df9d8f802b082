import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { submitTraining, cancelTraining } from '../../services/training-service.ts';
import { getRun, listRuns } from '../../../training/index.ts';

const RunSchema = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  model: Type.String(),
  status: Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  spec: Type.Record(Type.String(), Type.Unknown()),
  progress: Type.Record(Type.String(), Type.Unknown()),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  submission: Type.Integer(),
  attempts: Type.Integer(),
  cancelRequested: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  seconds: Type.Union([Type.Number(), Type.Null()]),
}, { $id: 'TrainingRun' });

const SpecSchema = Type.Object({
  model: Type.String({ description: 'registered model name (created on first use)' }),
  featureSet: Type.String({ description: 'feature set name, e.g. soccer-1x2-market' }),
  algo: Type.Optional(Type.Union([Type.Literal('logistic'), Type.Literal('mlp')])),
  trainFrom: Type.Optional(Type.String({ format: 'date' })),
  trainTo: Type.String({ format: 'date' }),
  testFrom: Type.String({ format: 'date' }),
  testTo: Type.String({ format: 'date' }),
  competitions: Type.Optional(Type.Array(Type.String())),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  seed: Type.Optional(Type.Integer({ minimum: 0 })),
  minEdge: Type.Optional(Type.Number({ minimum: 0 })),
  kellyFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  prices: Type.Optional(Type.Union([Type.Literal('book'), Type.Literal('best')], { description: 'backtest prices: book (default; one bookmaker\'s pre-kickoff prices, Pinnacle else market average) or best (line shopping across real bookmakers, aggregates excluded)' })),
  commission: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'backtest: commission on net winnings' })),
  maxStake: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'backtest: stake limit per bet, units' })),
  description: Type.Optional(Type.String()),
}, { additionalProperties: false });

export async function trainingRoutes(app: AppInstance): Promise<void> {
  app.addSchema(RunSchema);
  const ref = Type.Ref('TrainingRun');

  app.post('/v1/training-jobs', {
    schema: {
      tags: ['training'],
      summary: 'Launch a training job (idempotent: the same spec returns the existing run).',
      body: SpecSchema,
      headers: Type.Object({ 'x-actor': Type.Optional(Type.String()) }),
      response: { 201: ref, 200: ref, ...errorResponses(400, 404) },
    },
  }, async (request, reply) => {
    const { run, created } = await submitTraining(app.ctx, request.body, request.headers['x-actor'] ?? 'http');
    return reply.status(created ? 201 : 200).send(run);
  });

  app.get('/v1/training-jobs', {
    schema: {
      tags: ['training'],
      summary: 'List training runs, newest first.',
      querystring: Type.Object({
        model: Type.Optional(Type.String()),
        status: Type.Optional(Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)))),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
      }),
      response: { 200: Type.Object({ runs: Type.Array(ref) }) },
    },
  }, async (request) => ({ runs: await listRuns(app.ctx.db, request.query as never) }));

  app.get('/v1/training-jobs/:id', {
    schema: {
      tags: ['training'],
      summary: 'One run: status, progress (epoch, loss, validation loss), result or error.',
      params: Type.Object({ id: Type.String() }),
      response: { 200: ref, ...errorResponses(404) },
    },
  }, async (request) => getRun(app.ctx.db, request.params.id));

  app.delete('/v1/training-jobs/:id', {
    schema: {
      tags: ['training'],
      summary: 'Cancel: a queued run at once, a running one at its next batch.',
      params: Type.Object({ id: Type.String() }),
      response: { 202: ref, ...errorResponses(404, 409) },
    },
  }, async (request, reply) => reply.status(202).send(await cancelTraining(app.ctx, request.params.id)));
}
