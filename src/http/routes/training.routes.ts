import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { actorOf } from '../auth.ts';
import { submitTraining, cancelTraining } from '../../services/index.ts';
import { getRun, listRuns, TrainingSpecSchema } from '../../../training/index.ts';

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

export async function trainingRoutes(app: AppInstance): Promise<void> {
  app.addSchema(RunSchema);
  const ref = Type.Ref('TrainingRun');

  app.post('/v1/training-jobs', {
    schema: {
      tags: ['training'],
      summary: 'Launch a training job (idempotent: the same spec returns the existing run). 400 TRAINING_SPEC_INVALID names every bad field; 503 QUEUE_UNAVAILABLE when Redis is away (the run is recorded and enqueued when it returns).',
      body: TrainingSpecSchema,
      headers: Type.Object({ 'x-actor': Type.Optional(Type.String()) }),
      response: { 201: ref, 200: ref, ...errorResponses(400, 404, 503) },
    },
    // The schema above documents the body; training's own validator enforces it, so HTTP and the
    // CLI refuse the same specs with the same codes (TRAINING_SPEC_INVALID, COMPETITION_UNKNOWN ...).
    validatorCompiler: () => (value: unknown) => ({ value }),
  }, async (request, reply) => {
    // The key's owner launches it; x-actor names someone only where no key is needed (SHARPLINE_AUTH=off).
    const named = request.headers['x-actor'];
    const actor = request.principal || typeof named !== 'string' || !named ? actorOf(request) : { ...actorOf(request), name: named };
    const { run, created } = await submitTraining(app.ctx, request.body, actor);
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
  }, async (request, reply) => reply.status(202).send(await cancelTraining(app.ctx, request.params.id, actorOf(request))));
}
