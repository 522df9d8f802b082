import { Type, type TSchema } from '@sinclair/typebox';
import { IDENTIFIED_BY, UNMATCHED } from '../schemas.ts';

/** Schemas of the prediction routes (`predict.routes.ts`, `v2.routes.ts`). */

const NumberMap = Type.Record(Type.String(), Type.Number());

export const PredictParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });

export const PredictQuery = Type.Object({
  alias: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'alias to serve (default champion)' })),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'version number; exclusive with alias' })),
  kelly: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'fraction of full Kelly for stakes (default 0.25)' })),
  explain: Type.Optional(Type.Union(['true', 'false', 'auto', 'exact', 'kernel', 'linear'].map((v) => Type.Literal(v)), {
    description: 'add SHAP attributions per class: true/auto picks the engine (linear for logistic models in log-odds, exact up to 14 players, else kernel)',
  })),
  space: Type.Optional(Type.Union([Type.Literal('probability'), Type.Literal('logodds')], { description: 'output space of the attributions (default probability)' })),
  groupBy: Type.Optional(Type.Union([Type.Literal('feature'), Type.Literal('prefix'), Type.Literal('correlation')], {
    description: "players of the explanation: 'feature' (each alone), 'prefix' (features sharing a name prefix, mkt_, elo_ ..., as one player), 'correlation' (features with |r| >= 0.5 on the version's background as one player); default correlation for market feature sets, else feature",
  })),
});

const AttributionSchema = Type.Object({
  name: Type.String(),
  value: Type.Union([Type.Number(), Type.Record(Type.String(), Type.Number())]),
  shap: Type.Number(),
});

export const ExplanationSchema = Type.Object({
  engine: Type.String(),
  outputSpace: Type.String(),
  approximate: Type.Boolean(),
  background: Type.Object({
    rows: Type.Integer({ description: 'rows the values are exact against' }),
    summary: Type.Boolean({ description: 'true: those rows are a weighted k-means summary, not the training rows' }),
    storedRows: Type.Integer({ description: "rows of the version's stored background (GET …/background)" }),
    source: Type.String(),
  }),
  grouping: Type.Object({
    by: Type.String({ description: 'feature, prefix or correlation' }),
    threshold: Type.Optional(Type.Number({ description: 'correlation grouping: |r| at or above which features share a player' })),
    groups: Type.Array(Type.Object({ name: Type.String(), features: Type.Array(Type.String()) }), { description: 'players of more than one feature' }),
  }),
  classes: Type.Record(Type.String(), Type.Object({
    baseValue: Type.Number(),
    prediction: Type.Number(),
    features: Type.Array(AttributionSchema, { description: 'sorted by |shap|, largest first' }),
    residual: Type.Number({ description: '|baseValue + Σ shap − prediction|' }),
  })),
});

const MatchupOdds = Type.Object(
  {
    bookmaker: Type.String({ minLength: 1, maxLength: 64 }),
    kind: Type.Optional(Type.Union([Type.Literal('opening'), Type.Literal('preclosing'), Type.Literal('snapshot')])),
    home: Type.Number({ exclusiveMinimum: 1 }),
    draw: Type.Optional(Type.Number({ exclusiveMinimum: 1 })),
    away: Type.Number({ exclusiveMinimum: 1 }),
  },
  { additionalProperties: false },
);

export const GameRequestSchema = Type.Union([
  Type.Object({ gameId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false, title: 'StoredGame', [IDENTIFIED_BY]: ['gameId'] }),
  Type.Object(
    {
      competition: Type.String({ minLength: 1, maxLength: 32 }),
      home: Type.String({ minLength: 1, maxLength: 100 }),
      away: Type.String({ minLength: 1, maxLength: 100 }),
      kickoff: Type.String({ minLength: 10, maxLength: 40, description: 'ISO date-time (UTC if no offset)' }),
      neutral: Type.Optional(Type.Boolean()),
      odds: Type.Optional(Type.Array(MatchupOdds, { maxItems: 20, description: 'decimal prices known now; the first set prices the market view' })),
      homeStarter: Type.Optional(Type.Integer()),
      awayStarter: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false, title: 'Matchup', [IDENTIFIED_BY]: ['competition', 'home', 'away', 'kickoff'] },
  ),
], { [UNMATCHED]: 'must be a stored game { "gameId" } or a matchup { "competition", "home", "away", "kickoff", "odds"? } (rows of feature values go in "instances")' });

export const PredictBody = Type.Object(
  {
    instances: Type.Optional(
      // Items are checked by hand against the version's feature names, so a 400 names every
      // missing, extra, non-numeric or non-finite feature (JSON schema could not know the names).
      Type.Array(Type.Unknown(), { description: 'rows of raw feature values: { "<feature>": number, ... }, exactly the version\'s features' }),
    ),
    games: Type.Optional(Type.Array(GameRequestSchema, { description: 'games whose features the online feature store computes' })),
  },
  { additionalProperties: false },
);

const marketSchema = (byClass: TSchema) => Type.Object({
  source: Type.String(),
  bookmaker: Type.String(),
  kind: Type.String(),
  overround: Type.Number(),
  prices: byClass,
  probabilities: byClass,
  edge: byClass,
  kellyStake: byClass,
  kellyFraction: Type.Number(),
  standing: Type.Union([
    Type.Object({
      against: Type.Union([Type.Literal('preclosing'), Type.Literal('closing')]),
      games: Type.Integer(),
      testWindow: Type.Union([Type.Object({ from: Type.String(), to: Type.String() }), Type.Null()]),
      modelLogLoss: Type.Number(),
      marketLogLoss: Type.Number(),
      beatsMarket: Type.Boolean(),
    }),
    Type.Null(),
  ], { description: 'the version\'s test-window log loss against the market\'s on the same games (stored evaluation); null when never measured' }),
  caveat: Type.Union([
    Type.Object({ code: Type.Union([Type.Literal('MODEL_DID_NOT_BEAT_MARKET'), Type.Literal('NOT_EVALUATED_AGAINST_MARKET')]), message: Type.String() }),
    Type.Null(),
  ], { description: 'set when the model did not beat the market out of sample, or was never measured against it: do not take the stake at face value' }),
});

const GameInfoSchema = Type.Object({
  gameId: Type.Union([Type.Integer(), Type.Null()]),
  kickoff: Type.String(),
  asOf: Type.String(),
  stale: Type.Boolean(),
  missing: Type.Array(Type.String()),
  featureSet: Type.Object({ name: Type.String(), hash: Type.String() }),
});

/**
 * The predict response with its maps given: class → number (probabilities, market prices, edges,
 * stakes) and feature → number.
 */
function predictResponse(byClass: TSchema, byFeature: TSchema) {
  return Type.Object({
    model: Type.String(),
    version: Type.Integer(),
    runtime: Type.String(),
    classes: Type.Array(Type.String()),
    predictions: Type.Array(Type.Object({
      model: Type.String(),
      version: Type.Integer(),
      probabilities: byClass,
      features: byFeature,
      game: Type.Optional(GameInfoSchema),
      market: Type.Optional(marketSchema(byClass)),
      explanation: Type.Optional(ExplanationSchema),
    })),
  });
}

/** The documented response (OpenAPI): maps keyed by any class or feature name. */
export const PredictResponse = predictResponse(NumberMap, NumberMap);

const named = (names: readonly string[]) => Type.Object(Object.fromEntries(names.map((n) => [n, Type.Number()])));

/**
 * The same response for one version, its maps spelled out with the version's
 * classes and features: what the compiled serializer (fast-json-stringify) writes fastest, each key
 * a constant in the generated code. Only for results of that version: a key it does not list
 * would not be written.
 */
export function versionPredictResponse(classes: readonly string[], featureNames: readonly string[]) {
  return predictResponse(named(classes), named(featureNames));
}

// --- Open Inference Protocol (KServe V2) ---

export const V2ModelParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export const V2VersionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  v: Type.String({ minLength: 1, maxLength: 64, description: 'version number or alias' }),
});

/** `$parameters`: name → string, number or boolean (the protocol's Parameters section). */
const V2Parameters = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

const V2Tensor = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer({ minimum: 0, description: 'each dimension an unsigned integer' })),
  datatype: Type.String(),
  parameters: Type.Optional(V2Parameters),
  data: Type.Array(Type.Unknown()),
});

export const V2InferBody = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 200 })),
  parameters: Type.Optional(V2Parameters),
  inputs: Type.Array(V2Tensor, { minItems: 1 }),
  outputs: Type.Optional(Type.Array(Type.Object({ name: Type.String(), parameters: Type.Optional(V2Parameters) }), { description: 'outputs to return (default all); a name the model does not produce is a 400' })),
});

export const V2InferResponse = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.Optional(Type.String()),
  outputs: Type.Array(Type.Object({ name: Type.String(), shape: Type.Array(Type.Integer()), datatype: Type.String(), data: Type.Array(Type.Number()) })),
});

const V2TensorMeta = Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) });

export const V2ModelMetadata = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(V2TensorMeta),
  outputs: Type.Array(V2TensorMeta),
  parameters: Type.Object({ feature_names: Type.Array(Type.String()), classes: Type.Array(Type.String()), version: Type.Integer(), runtime: Type.String() }),
});

export const V2ServerMetadata = Type.Object({ name: Type.String(), version: Type.String(), extensions: Type.Array(Type.String()) });
export const V2Live = Type.Object({ live: Type.Boolean() });
export const V2Ready = Type.Object({ ready: Type.Boolean() });
export const V2ModelReady = Type.Object({ name: Type.String(), version: Type.Optional(Type.String()), ready: Type.Boolean() });
/** A readiness check's false (a 4xx): the protocol's error object, with `ready: false` beside it. */
export const V2NotReady = Type.Object({ error: Type.String(), ready: Type.Optional(Type.Literal(false)), name: Type.Optional(Type.String()), version: Type.Optional(Type.String()) });
