import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { actorOf } from '../auth.ts';
import { bestOfSweep, listSweeps, showSweep, submitSweep } from '../../services/index.ts';
import { SweepSpecSchema } from '../../../training/index.ts';

const RUN_STATUS = Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)));
const SWEEP_STATUS = Type.Union(['running', 'succeeded', 'failed'].map((s) => Type.Literal(s)));
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const TrialSchema = Type.Object(
  {
    trial: Type.Integer(),
    params: Type.Record(Type.String(), Type.Unknown(), { description: 'the swept values of this trial' }),
    runId: Type.String({ description: 'its training run (GET /v1/training-jobs/{id})' }),
    status: RUN_STATUS,
    model: nullable(Type.String()),
    version: nullable(Type.Integer()),
    validationLogLoss: nullable(Type.Number({ description: 'log loss on the validation slice (the end of the training window): what chooses the best' })),
    testLogLoss: nullable(Type.Number({ description: 'log loss on the test window: shown, never used to choose' })),
    error: nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { $id: 'SweepTrial' },
);

const SweepSchema = Type.Object(
  {
    id: Type.String(),
    model: Type.String(),
    status: SWEEP_STATUS,
    search: Type.Union([Type.Literal('grid'), Type.Literal('random')]),
    spec: Type.Record(Type.String(), Type.Unknown()),
    submission: Type.Integer(),
    jobId: Type.String({ description: 'the flow\'s parent job on the sweeps queue' }),
    createdBy: Type.String(),
    createdAt: Type.String(),
    finishedAt: nullable(Type.String()),
    counts: Type.Object({ trials: Type.Integer(), queued: Type.Integer(), running: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer(), cancelled: Type.Integer() }),
    trials: Type.Array(Type.Ref('SweepTrial')),
    best: Type.Union([Type.Ref('SweepTrial'), Type.Null()], { description: 'the trial with the lowest validation log loss, once settled' }),
    alias: nullable(Type.Object({ name: Type.String(), version: nullable(Type.Integer()), error: Type.Optional(Type.String()) })),
    error: nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { $id: 'Sweep' },
);

const SweepParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

/** Hyper-parameter sweeps: one unit over many training runs (the same use cases as `sharpline sweeps`). */
export async function sweepsRoutes(app: AppInstance): Promise<void> {
  app.addSchema(TrialSchema);
  app.addSchema(SweepSchema);
  const ref = Type.Ref('Sweep');

  app.post('/v1/sweeps', {
    schema: {
      tags: ['training'],
      summary: 'Launch a hyper-parameter sweep: a grid or seeded random search over a base training spec, run as one BullMQ flow (a parent job over one training job per trial). Idempotent: the same spec returns the existing sweep. Its best trial is chosen on the validation slice only. 400 SWEEP_SPEC_INVALID names the bad field.',
      body: SweepSpecSchema,
      response: { 201: ref, 200: ref, ...errorResponses(400, 404, 503) },
    },
    // The schema documents the body; training's own validator enforces it (the CLI's too), naming the field.
    validatorCompiler: () => (value: unknown) => ({ value }),
  }, async (request, reply) => {
    const { sweep, created } = await submitSweep(app.ctx, request.body, actorOf(request));
    return reply.status(created ? 201 : 200).send(sweep);
  });

  app.get('/v1/sweeps', {
    schema: {
      tags: ['training'],
      summary: 'List sweeps, newest first, each with its trials\' live state.',
      querystring: Type.Object({
        model: Type.Optional(Type.String({ maxLength: 100 })),
        status: Type.Optional(SWEEP_STATUS),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
      }),
      response: { 200: Type.Object({ sweeps: Type.Array(ref) }) },
    },
  }, async (request) => ({ sweeps: await listSweeps(app.ctx, request.query as never) }));

  app.get('/v1/sweeps/:id', {
    schema: {
      tags: ['training'],
      summary: 'One sweep: its trials (status, validation and test log loss), and its best once settled.',
      params: SweepParams,
      response: { 200: ref, ...errorResponses(404) },
    },
  }, async (request) => showSweep(app.ctx, request.params.id));

  app.get('/v1/sweeps/:id/best', {
    schema: {
      tags: ['training'],
      summary: 'The sweep\'s best trial (lowest validation log loss). 409 SWEEP_UNSETTLED while trials run; 422 SWEEP_NO_TRIAL when none succeeded.',
      params: SweepParams,
      response: { 200: Type.Ref('SweepTrial'), ...errorResponses(404, 409, 422) },
    },
  }, async (request) => (await bestOfSweep(app.ctx, request.params.id)).best);
}
