import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Schemas of the registry routes (`models.routes.ts`). Field names match the registry domain types. */

const Iso = Type.String({ format: 'date-time' });
const NumberMap = Type.Record(Type.String(), Type.Number());
const AnyObject = Type.Record(Type.String(), Type.Unknown());

export const ModelNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
export const VersionParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  v: Type.String({ minLength: 1, maxLength: 64, description: 'version number, alias name, or "latest" (highest READY version)' }),
});
export const AliasParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  alias: Type.String({ minLength: 1, maxLength: 64 }),
});

export const RegisteredModelSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    lastVersion: Type.Integer(),
    aliases: Type.Record(Type.String(), Type.Integer(), { description: 'alias -> version' }),
    createdAt: Iso,
    updatedAt: Iso,
  },
  { title: 'RegisteredModel' },
);

const Window = Type.Object({ from: Type.String(), to: Type.String() });

const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const LineageSchema = Type.Object(
  {
    featureSet: Nullable(Type.Object({ name: Type.String(), hash: Type.String() })),
    trainWindow: Nullable(Window),
    testWindow: Nullable(Window),
    datasetHash: Nullable(Type.String()),
    algorithm: Nullable(Type.String()),
    params: Nullable(AnyObject),
    seed: Nullable(Type.Number()),
    codeVersion: Nullable(Type.String()),
    createdBy: Nullable(Type.String()),
  },
  { additionalProperties: true },
);

const VersionFields = {
  id: Type.Integer(),
  model: Type.String(),
  version: Type.Integer(),
  status: Type.Union([Type.Literal('PENDING'), Type.Literal('READY'), Type.Literal('FAILED')]),
  statusMessage: Type.Union([Type.String(), Type.Null()]),
  runId: Type.String(),
  classes: Type.Array(Type.String()),
  lineage: LineageSchema,
  metrics: NumberMap,
  timings: NumberMap,
  aliases: Type.Array(Type.String()),
  createdAt: Iso,
  updatedAt: Iso,
};

/** A version in a list: everything but the (large) evaluation. */
export const ModelVersionSummarySchema = Type.Object(VersionFields, { title: 'ModelVersionSummary' });

export const ArtifactInfoSchema = Type.Object({
  kind: Type.String(),
  name: Type.String(),
  contentType: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  encoding: Type.Union([Type.Literal('bytes'), Type.Literal('json')]),
  createdAt: Iso,
});

const Ratio = Type.Union([Type.Number(), Type.Null()]);

/** A stored backtest's figures with the prices and de-vig they were computed at (`summariseBacktest`). */
export const BacktestSummarySchema = Type.Object(
  {
    legacy: Type.Boolean({ description: 'stored before prices were labelled: struck at the best price across all books, market_max included (inflated)' }),
    prices: Type.Union([Type.Literal('book'), Type.Literal('best'), Type.Literal('legacy')]),
    pricesDescription: Type.String({ description: 'which bookmaker\'s prices the bets were struck at' }),
    devig: Type.String({ description: 'de-vig of the close behind the CLV' }),
    clvAgainst: Type.String(),
    commission: Type.Number(),
    maxStake: Ratio,
    bets: Type.Integer(),
    flatYield: Ratio,
    flatRoi: Ratio,
    flatMaxDrawdown: Type.Number(),
    kellyBets: Type.Integer(),
    kellyYield: Ratio,
    kellyRoi: Ratio,
    kellyMaxDrawdownPct: Type.Number(),
    clv: Ratio,
    priceRatio: Ratio,
    everyOutcomeYield: Ratio,
    randomYield: Ratio,
  },
  { title: 'BacktestSummary' },
);

/** One version in full: lineage, metrics, evaluation, timings, artifacts and the count of stored predictions. */
export const ModelVersionDetailSchema = Type.Object(
  {
    ...VersionFields,
    evaluation: AnyObject,
    backtest: Type.Union([BacktestSummarySchema, Type.Null()], { description: 'evaluation.backtest summarised, naming its prices and de-vig; null without a backtest' }),
    artifacts: Type.Array(ArtifactInfoSchema),
    predictionCount: Type.Integer(),
  },
  { title: 'ModelVersionDetail' },
);

export const BacktestQuery = Type.Object(
  {
    prices: Type.Optional(Type.Union([Type.Literal('book'), Type.Literal('best')], { description: 'book (default): one bookmaker\'s pre-kickoff prices, Pinnacle else market average; best: line shopping across real bookmakers, aggregates excluded' })),
    commission: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'commission on net winnings' })),
    maxStake: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'stake limit per bet, units' })),
    minEdge: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'bet when p × net price > 1 + minEdge (default 0.02)' })),
    kelly: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'fraction of full Kelly (default 0.25)' })),
    devig: Type.Optional(Type.Union([Type.Literal('proportional'), Type.Literal('shin'), Type.Literal('power')], { description: 'de-vig of the close for CLV (default proportional)' })),
  },
  { additionalProperties: false },
);

export const BacktestResponse = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  summary: BacktestSummarySchema,
  backtest: Type.Object(
    {
      pricing: Type.Object({ prices: Type.String(), description: Type.String(), devig: Type.String(), clvAgainst: Type.String(), bookmakers: NumberMap }, { additionalProperties: true }),
    },
    { additionalProperties: true, description: 'the full result: options, flat, kelly, clv (byDevig), controls, pricing' },
  ),
});

export const ModelAliasSchema = Type.Object({
  model: Type.String(),
  alias: Type.String(),
  version: Type.Integer(),
  updatedBy: Type.String(),
  updatedAt: Iso,
});

export const AliasEventSchema = Type.Object({
  id: Type.Integer(),
  model: Type.String(),
  alias: Type.String(),
  fromVersion: Type.Union([Type.Integer(), Type.Null()]),
  toVersion: Type.Union([Type.Integer(), Type.Null()]),
  actor: Type.String(),
  at: Iso,
});

export const PredictionSchema = Type.Object({
  gameId: Type.Integer(),
  kickoff: Iso,
  competition: Type.String(),
  home: Type.String(),
  away: Type.String(),
  probabilities: Type.Array(Type.Number()),
  outcome: Type.Union([Type.String(), Type.Null()]),
});

export const PredictionsQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const PredictionsBody = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  classes: Type.Array(Type.String()),
  count: Type.Integer({ description: 'rows in this response' }),
  total: Type.Integer({ description: 'rows stored for the version' }),
  predictions: Type.Array(PredictionSchema),
});

export const ListVersionsQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('PENDING'), Type.Literal('READY'), Type.Literal('FAILED')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});

export const SetAliasBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'ignored: the audited actor is the key\'s owner (kept so older clients are not refused)' })),
  },
  { additionalProperties: false },
);
export type SetAliasBodyType = Static<typeof SetAliasBody>;

export const DeleteAliasQuery = Type.Object({
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export const SetAliasResponse = Type.Object({
  alias: ModelAliasSchema,
  previousVersion: Type.Union([Type.Integer(), Type.Null()]),
  changed: Type.Boolean(),
});

export const DeleteAliasResponse = Type.Object({
  model: Type.String(),
  alias: Type.String(),
  previousVersion: Type.Integer(),
});

export const HistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});
