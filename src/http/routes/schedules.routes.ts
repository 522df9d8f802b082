import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { actorOf } from '../auth.ts';
import { listSchedules, setSchedulePaused } from '../../services/index.ts';

export const ScheduleSchema = Type.Object(
  {
    name: Type.String({ description: 'the step: fetch-odds, fetch-results, rebuild-features, predict, evaluate, retrain, propose' }),
    summary: Type.String(),
    everyMs: Type.Integer({ description: 'cadence, ms (SHARPLINE_SCHEDULE_EVERY over the default)' }),
    paused: Type.Boolean(),
    lastRunAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'the schedules\' clock time of its last successful run' }),
    lastResult: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    next: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the job system fires it next, if known here' }),
    updatedBy: Type.Union([Type.String(), Type.Null()], { description: 'who last paused or resumed it' }),
  },
  { $id: 'Schedule', additionalProperties: false },
);

const ScheduleParams = Type.Object({ name: Type.String({ pattern: '^[a-z][a-z-]{0,40}$', description: 'a step name, or `all`' }) });

/** The declarative schedules: listed, paused and resumed (the same use cases as `sharpline schedules`). */
export async function schedulesRoutes(app: AppInstance): Promise<void> {
  app.addSchema(ScheduleSchema);
  const list = Type.Object({ schedules: Type.Array(Type.Ref('Schedule')) });

  app.get('/v1/schedules', {
    schema: { tags: ['schedules'], summary: 'Every scheduled step: cadence, paused, last run (clock time, result or error), next firing.', response: { 200: list } },
  }, async () => ({ schedules: await listSchedules(app.ctx) }));

  app.post('/v1/schedules/:name/pause', {
    schema: { tags: ['schedules'], summary: 'Pauses a step (or `all`): its jobs still fire and do nothing until resumed. Audited.', params: ScheduleParams, response: { 200: list, ...errorResponses(404) } },
  }, async (request) => ({ schedules: await setSchedulePaused(app.ctx, actorOf(request), request.params.name, true) }));

  app.post('/v1/schedules/:name/resume', {
    schema: { tags: ['schedules'], summary: 'Resumes a paused step (or `all`). Audited.', params: ScheduleParams, response: { 200: list, ...errorResponses(404) } },
  }, async (request) => ({ schedules: await setSchedulePaused(app.ctx, actorOf(request), request.params.name, false) }));
}
