/**
 * The explorer's query: a document, never SQL. Every field is a value from a closed list (an
 * allow-listed column, group, measure, selection, kind) or a literal that travels as a query
 * parameter (codes, labels, team, dates, ranges). One schema serves the HTTP route (request
 * validation, OpenAPI) and the CLI (checked with the same schema before anything runs).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../core/index.ts';

export const GROUPS = ['season', 'competition', 'team', 'month', 'oddsBucket'] as const;
export const MEAN_COLUMNS = ['homeScore', 'awayScore', 'totalScore', 'goalDiff', 'price', 'marketProb', 'modelProb', 'edge'] as const;
export const SELECTIONS = ['home', 'draw', 'away'] as const;
export const QUERY_ODDS_KINDS = ['opening', 'preclosing', 'closing'] as const;
export const LOG_LOSS_OF = ['market', 'model'] as const;
/** Upper edges of the odds buckets (decimal odds of the chosen selection); the last bucket is open. */
export const ODDS_BUCKET_EDGES = [1.5, 2, 2.5, 3, 4, 6, 10] as const;

const literals = <T extends readonly string[]>(values: T, description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)) as never as [ReturnType<typeof Type.Literal<T[number]>>], { description });
const Code = Type.String({ minLength: 1, maxLength: 100 });
const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (kickoff date, UTC)' });
const Range = (description: string) => Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }, { additionalProperties: false, description });

export const MeasureSchema = Type.Union([
  Type.Object({ kind: Type.Literal('count') }, { additionalProperties: false, description: 'games in the group' }),
  Type.Object({ kind: Type.Literal('mean'), column: literals(MEAN_COLUMNS, 'the allow-listed column averaged') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('winRate') }, { additionalProperties: false, description: "share of played games the selection won" }),
  Type.Object({ kind: Type.Literal('roi') }, { additionalProperties: false, description: 'return of one unit on the selection at the chosen book, per game staked' }),
  Type.Object({ kind: Type.Literal('logLoss'), of: literals(LOG_LOSS_OF, "whose probabilities: the de-vigged market's at the chosen book and kind, or the model's") }, { additionalProperties: false }),
]);

export const QuerySpecSchema = Type.Object({
  filters: Type.Optional(Type.Object({
    competition: Type.Optional(Type.Array(Code, { maxItems: 50, description: 'competition codes (E0, SP1, NFL)' })),
    season: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, description: "season labels ('2019/20', '2023')" })),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'team id, key, name or alias: games it played, home or away' })),
    from: Type.Optional(DateString),
    to: Type.Optional(DateString),
    odds: Type.Optional(Range("the selection's decimal price at the chosen book and kind")),
    edge: Type.Optional(Range("the model's probability of the selection minus the de-vigged market's (needs model)")),
  }, { additionalProperties: false })),
  groupBy: Type.Optional(Type.Array(literals(GROUPS, 'team: the team on the selection\'s side (home for draw); oddsBucket: the selection\'s price'), { maxItems: 3, uniqueItems: true })),
  measures: Type.Array(MeasureSchema, { minItems: 1, maxItems: 8 }),
  selection: Type.Optional(literals(SELECTIONS, 'the outcome prices, win rate, ROI and edge are about (default home)')),
  book: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,40}$', description: 'bookmaker code (default market_avg): pinnacle, bet365, market_avg ...' })),
  oddsKind: Type.Optional(literals(QUERY_ODDS_KINDS, 'which prices (default closing)')),
  model: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}(@[a-z0-9_-]{1,63})?$', description: "model version: 'epl@3' or 'epl@champion' (stored test predictions); needed by modelProb, edge and logLoss of the model" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'rows at most (capped by SHARPLINE_QUERY_MAX_ROWS)' })),
}, { additionalProperties: false, description: 'an explorer query: allow-listed groups and measures, literal filters (never SQL)' });

export type QuerySpec = Static<typeof QuerySpecSchema>;
export type Measure = Static<typeof MeasureSchema>;
export type Group = (typeof GROUPS)[number];

/** Checks an untyped document against the schema (the CLI's and the service's guard): QUERY_INVALID naming the first problem. */
export function parseQuerySpec(input: unknown): QuerySpec {
  if (Value.Check(QuerySpecSchema, input)) return input;
  const first = [...Value.Errors(QuerySpecSchema, input)][0];
  throw new AppError('QUERY_INVALID', `query ${first ? `${first.path || '/'}: ${first.message}` : 'is invalid'}`, { details: { path: first?.path ?? '', problem: first?.message ?? '' } });
}

/** The output column a measure gets (fixed names: user text never becomes an identifier). */
export function measureName(m: Measure): string {
  switch (m.kind) {
    case 'mean': return `mean_${m.column}`;
    case 'logLoss': return `logLoss_${m.of}`;
    default: return m.kind;
  }
}
