import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { computeDrift, latestLiveEvaluations, listLatestDrift } from '../../services/index.ts';

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);

const DriftReportSchema = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  aliases: Type.Array(Type.String()),
  computedAt: Type.String({ format: 'date-time' }),
  window: Type.Object({ from: Type.String(), to: Type.String(), days: Type.Integer() }),
  features: Type.Object({
    reference: Type.Union([Type.Literal('stored'), Type.Literal('missing')], { description: "'missing': the version was trained before training distributions were stored (no PSI)" }),
    referenceRows: Type.Union([Type.Integer(), Type.Null()]),
    rows: Type.Object({ log: Type.Integer(), stored: Type.Integer(), total: Type.Integer(), skipped: Type.Integer(), unreadable: Type.Integer() }, { description: 'served rows compared: sampled prediction-log rows and stored pre-kickoff predictions\' rows' }),
    judged: Type.Boolean({ description: 'reference stored and at least SHARPLINE_DRIFT_MIN_ROWS rows served' }),
    psi: Type.Array(Type.Object({ feature: Type.String(), psi: Num })),
    worst: Type.Union([Type.Object({ feature: Type.String(), psi: Num }), Type.Null()]),
  }),
  live: Type.Object({
    games: Type.Integer({ description: 'finished games with a prediction stored before kickoff' }),
    judged: Type.Boolean({ description: 'at least SHARPLINE_DRIFT_MIN_GAMES games' }),
    model: Type.Union([Type.Object({ logLoss: Num, calibrationError: Num }), Type.Null()]),
    market: Type.Union([Type.Object({ games: Type.Integer(), logLoss: Num, modelLogLoss: Num, gap: Num }, { description: 'the de-vigged market (closing, else pre-kickoff) and the model on the same games; gap = model − market' }), Type.Null()]),
  }),
  thresholds: Type.Object({ windowDays: Type.Integer(), psiWarn: Num, minRows: Type.Integer(), logLossGapWarn: Num, eceWarn: Num, minGames: Type.Integer(), reportMaxAgeHours: Type.Integer() }),
  warnings: Type.Array(Type.String()),
});

const DriftQuery = Type.Object({
  alias: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'the alias whose version is checked (default champion)' })),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'a version number instead of an alias' })),
  windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'window in days (default SHARPLINE_DRIFT_WINDOW_DAYS)' })),
}, { additionalProperties: false });

const LiveEvaluationSchema = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  asOf: Type.String({ format: 'date-time', description: 'kickoff of the latest game scored' }),
  games: Type.Integer({ description: 'finished games scored, each predicted before kickoff' }),
  since: Type.String({ format: 'date-time', description: 'games kicking off from here on were scored: the day after the version\'s test window' }),
  aliases: Type.Array(Type.String()),
  logLoss: Num,
  calibrationError: NullableNum,
  market: Type.Union([Type.Object({ games: Type.Integer(), logLoss: Num, modelLogLoss: Num }, { description: 'the de-vigged market and the version on the same games (those with market odds)' }), Type.Null()]),
  evaluatedAt: Type.String({ format: 'date-time', description: 'the schedules\' clock time' }),
});

export async function driftRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/live-evaluations', {
    schema: {
      tags: ['models'],
      summary: 'The latest live evaluation of each served version, as the `evaluate` schedule step stored it: its pre-kickoff predictions scored on games finished since it was trained, beside the market on the same games.',
      querystring: Type.Object({ model: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'one model (default all)' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ evaluations: Type.Array(LiveEvaluationSchema) }), ...errorResponses(400) },
    },
  }, async (request) => ({ evaluations: await latestLiveEvaluations(app.ctx, request.query.model) }));

  app.get('/v1/models/:name/drift', {
    schema: {
      tags: ['models'],
      summary: 'Computes one served version\'s drift now: PSI of each feature over the rows it served (prediction log, stored pre-kickoff predictions) against its training distribution, and the live log loss and calibration of its pre-kickoff predictions on finished games beside the market on the same games. Stores the report (gauges, /readyz) and lists the thresholds crossed.',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
      querystring: DriftQuery,
      response: { 200: DriftReportSchema, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const { alias, version, windowDays } = request.query;
    return computeDrift(app.ctx, { ref: { model: request.params.name, alias, version }, windowDays });
  });

  app.get('/v1/drift', {
    schema: {
      tags: ['models'],
      summary: 'The latest stored drift report of every version, younger than SHARPLINE_DRIFT_REPORT_MAX_AGE_HOURS (nothing recomputed), and every warning they raise.',
      response: { 200: Type.Object({ reports: Type.Array(DriftReportSchema), warnings: Type.Array(Type.String()) }) },
    },
  }, async () => listLatestDrift(app.ctx));
}
