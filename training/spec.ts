import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { type Db, AppError } from '../core/index.ts';
import { resolveFeatureSet } from '../features/index.ts';
import { competitionsByCode, sportCompetitionCodes } from '../history/index.ts';
import { TfjsSpecSchema, TrainParamsSchema, checkTfjsModel, describeAllowed, resolveTrainParams, tfjsSpecProblems, type TfjsSpec, type TrainParams } from '../models/index.ts';
import { MODEL_NAME_PATTERN } from '../registry/index.ts';
import type { BacktestSettings } from './market-backtest.ts';


/** What a data scientist asks for. Windows are ISO dates; `to` bounds are inclusive days. */
export interface TrainingSpec {
  model: string;
  featureSet: string;
  algo: 'logistic' | 'mlp' | 'tfjs';
  /** algo tfjs: the Layers model config and how model.fit trains it (required for tfjs, refused otherwise). */
  tfjs?: TfjsSpec;
  trainFrom?: string;
  trainTo: string;
  testFrom: string;
  testTo: string;
  competitions?: string[];
  /** Trainer hyper-parameters (hidden, dropout, l2, learningRate, batchSize, epochs, ...). */
  params?: Partial<Omit<TrainParams, 'algo' | 'seed'>>;
  seed?: number;
  /** Backtest: bet when p × pre-closing price > 1 + minEdge. */
  minEdge?: number;
  /** Backtest: fraction of the Kelly stake. */
  kellyFraction?: number;
  /** Backtest prices: 'book' (default, one bookmaker's pre-kickoff prices) or 'best' (line shopping across real bookmakers). */
  prices?: 'book' | 'best';
  /** Backtest: commission on net winnings, 0 ≤ c < 1 (default 0). */
  commission?: number;
  /** Backtest: stake limit per bet in units (default none). */
  maxStake?: number;
  description?: string;
}

const DAY = { pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a date, YYYY-MM-DD' };

/**
 * The one schema of a training spec: the HTTP route documents it (OpenAPI) and
 * `validateTrainingSpec` enforces it for every edge, so HTTP and CLI refuse the same specs with
 * the same coded errors.
 */
export const TrainingSpecSchema = Type.Object(
  {
    // The registry's own rule for model names, so a spec it accepts is a name the registry takes.
    model: Type.String({ pattern: MODEL_NAME_PATTERN.source, description: 'registered model name (created on first use): lower-case letters, digits, ".", "_" or "-", up to 100 characters' }),
    featureSet: Type.String({ minLength: 1, maxLength: 100, description: 'feature set name, e.g. soccer-1x2-market' }),
    algo: Type.Optional(Type.Union([Type.Literal('logistic'), Type.Literal('mlp'), Type.Literal('tfjs')], { description: 'default logistic; tfjs trains the Layers model given in `tfjs` with model.fit' })),
    tfjs: Type.Optional(TfjsSpecSchema),
    trainFrom: Type.Optional(Type.String({ ...DAY, description: 'first training day (default: all history), YYYY-MM-DD' })),
    trainTo: Type.String({ ...DAY, description: 'last training day, YYYY-MM-DD' }),
    testFrom: Type.String({ ...DAY, description: 'first test day, after trainTo, YYYY-MM-DD' }),
    testTo: Type.String({ ...DAY, description: 'last test day, YYYY-MM-DD' }),
    competitions: Type.Optional(Type.Array(Type.String({ pattern: '^\\s*\\S{1,32}\\s*$', description: 'a competition code, e.g. E0' }), { minItems: 1, maxItems: 200, description: 'competition codes of the feature set’s sport (default: all of them)' })),
    params: Type.Optional(TrainParamsSchema),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    minEdge: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'backtest: bet when p × price > 1 + minEdge (default 0.02)' })),
    kellyFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'backtest: fraction of the Kelly stake (default 0.25)' })),
    prices: Type.Optional(Type.Union([Type.Literal('book'), Type.Literal('best')], { description: "backtest prices: book (default; one bookmaker's pre-kickoff prices, Pinnacle else market average) or best (line shopping across real bookmakers, aggregates excluded)" })),
    commission: Type.Optional(Type.Number({ minimum: 0, maximum: 0.99, description: 'backtest: commission on net winnings (default 0)' })),
    maxStake: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: 'backtest: stake limit per bet, units (default none)' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, $id: 'TrainingSpec' },
);

interface Problem {
  field: string;
  message: string;
}

function refuse(problems: Problem[]): never {
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  throw new AppError('TRAINING_SPEC_INVALID', message, { details: { field: problems[0]!.field, problems } });
}

/** True for a real day: `Date` rolls 2026-02-30 over to March, so the round trip must match. */
function isCalendarDay(day: string): boolean {
  const parsed = new Date(day + 'T00:00:00Z');
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

/** `/params/hidden/2` → `params.hidden[2]`. */
function fieldOf(path: string): string {
  return path.split('/').filter(Boolean).reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '') || 'spec';
}

/** Every schema violation, one per field, each saying what the field allows. */
function schemaProblems(input: unknown): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of Value.Errors(TrainingSpecSchema, input)) {
    const field = fieldOf(error.path);
    if (seen.has(field)) continue;
    seen.add(field);
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = Object.keys((error.schema as { properties?: Record<string, unknown> }).properties ?? {});
      problems.push({ field, message: `unknown ${field.startsWith('params.') ? 'parameter' : 'field'} (known: ${known.join(', ')})` });
    } else if (error.type === ValueErrorType.ObjectRequiredProperty) {
      problems.push({ field, message: 'is required' });
    } else if (error.type === ValueErrorType.Object) {
      problems.push({ field, message: `expected an object, got ${JSON.stringify(error.value)}` });
    } else {
      problems.push({ field, message: `expected ${describeAllowed(error.schema as TSchema)}, got ${JSON.stringify(error.value)}` });
    }
  }
  return problems;
}

/**
 * Checks a spec on its own: the schema (unknown keys refused, types, ranges), real calendar
 * dates, ordered windows that do not overlap, and parameters that fit the algorithm. Normalises
 * competitions (trimmed, deduplicated, sorted) so equal specs hash to one run id.
 * @throws AppError TRAINING_SPEC_INVALID naming every bad field in `details.problems`
 */
export function parseTrainingSpec(input: unknown): TrainingSpec {
  const problems = schemaProblems(input);
  if (problems.length) refuse(problems);
  const o = input as TrainingSpec;
  const algo = o.algo ?? 'logistic';
  for (const field of ['trainFrom', 'trainTo', 'testFrom', 'testTo'] as const) {
    const value = o[field];
    if (value !== undefined && !isCalendarDay(value)) problems.push({ field, message: `${value} is not a calendar date` });
  }
  if (problems.length) refuse(problems);
  if (o.trainFrom && o.trainFrom > o.trainTo) problems.push({ field: 'trainFrom', message: 'is after trainTo' });
  if (o.testFrom <= o.trainTo) problems.push({ field: 'testFrom', message: `must be after trainTo (${o.trainTo}): the test window is out of sample` });
  if (o.testTo < o.testFrom) problems.push({ field: 'testTo', message: 'is before testFrom' });
  if (algo === 'tfjs') {
    if (!o.tfjs) problems.push({ field: 'tfjs', message: 'is required with algo tfjs: { model: <a tf.sequential\'s toJSON()>, loss?, epochs?, ... }' });
    else problems.push(...tfjsSpecProblems(o.tfjs));
    if (o.params) problems.push({ field: 'params', message: 'does not apply to algo tfjs (its settings are in tfjs: loss, optimizer, learningRate, epochs, batchSize, validationFraction)' });
  } else if (o.tfjs) {
    problems.push({ field: 'tfjs', message: `applies to algo tfjs only (algo is ${algo})` });
  } else {
    try {
      // The trainer's own checks, now rather than in the job: e.g. an mlp needs a hidden layer.
      resolveTrainParams({ ...(o.params ?? {}), algo, ...(o.seed !== undefined ? { seed: o.seed } : {}) });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const field = (error.details as { field?: string } | undefined)?.field;
      problems.push({ field: field ? `params.${field}` : 'params', message: error.message });
    }
  }
  if (problems.length) refuse(problems);
  const competitions = o.competitions ? [...new Set(o.competitions.map((c) => c.trim()))].sort() : undefined;
  return {
    model: o.model,
    featureSet: o.featureSet,
    algo,
    ...(o.tfjs ? { tfjs: o.tfjs } : {}),
    ...(o.trainFrom ? { trainFrom: o.trainFrom } : {}),
    trainTo: o.trainTo,
    testFrom: o.testFrom,
    testTo: o.testTo,
    ...(competitions ? { competitions } : {}),
    ...(o.params ? { params: o.params } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.minEdge !== undefined ? { minEdge: o.minEdge } : {}),
    ...(o.kellyFraction !== undefined ? { kellyFraction: o.kellyFraction } : {}),
    ...(o.prices !== undefined ? { prices: o.prices } : {}),
    ...(o.commission !== undefined ? { commission: o.commission } : {}),
    ...(o.maxStake !== undefined ? { maxStake: o.maxStake } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
  };
}

/** The backtest settings a spec asks for (defaults filled by the backtest). */
export function backtestSettingsOf(spec: TrainingSpec): BacktestSettings {
  return { prices: spec.prices, minEdge: spec.minEdge, kellyFraction: spec.kellyFraction, commission: spec.commission, maxStake: spec.maxStake };
}

/**
 * The whole check of a submission, before anything is recorded or queued: `parseTrainingSpec`,
 * then the feature set exists and every competition exists and is of the feature set's sport.
 * The one validator every edge (HTTP, CLI, demo) goes through.
 * @throws AppError TRAINING_SPEC_INVALID, FEATURE_SET_UNKNOWN, COMPETITION_UNKNOWN, FEATURE_SPORT_MISMATCH
 */
export async function validateTrainingSpec(db: Db, input: unknown): Promise<TrainingSpec> {
  const spec = parseTrainingSpec(input);
  const set = resolveFeatureSet(spec.featureSet);
  if (spec.tfjs) {
    // tfjs builds the model on the set's width and classes now, so a bad config never reaches a worker.
    try {
      await checkTfjsModel(spec.tfjs, set.featureNames.length, set.target === 'home_win' ? 2 : 3);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'TFJS_MODEL_INVALID') throw error;
      throw new AppError('TRAINING_SPEC_INVALID', error.message, { details: error.details, cause: error });
    }
  }
  const anchor = spec.params?.anchor;
  if (anchor !== undefined && anchor.length > 0) {
    // An anchored model adds one column per logit: three for 1X2, one for a two-way target.
    const logits = set.target === '1x2' ? 3 : 1;
    const unknown = anchor.filter((c) => c !== '' && !set.featureNames.includes(c));
    if (anchor.length !== logits || unknown.length) {
      const message = unknown.length
        ? `params.anchor: ${unknown.map((c) => JSON.stringify(c)).join(', ')} ${unknown.length === 1 ? 'is not a column' : 'are not columns'} of ${set.name} (columns: ${set.featureNames.join(', ')})`
        : `params.anchor: ${set.name} (${set.target}) has ${logits} logit${logits === 1 ? '' : 's'}, so the anchor lists ${logits} column${logits === 1 ? '' : 's'} ('' for none), got ${anchor.length}`;
      throw new AppError('TRAINING_SPEC_INVALID', message, { details: { field: 'params.anchor', problems: [{ field: 'params.anchor', message }] } });
    }
  }
  if (spec.competitions) {
    const rows = await competitionsByCode(db, spec.competitions);
    const ofSport = new Set(rows.filter((r) => r.sport === set.sport).map((r) => r.code));
    const elsewhere = spec.competitions.filter((c) => !ofSport.has(c) && rows.some((r) => r.code === c));
    if (elsewhere.length) {
      const sports = elsewhere.map((c) => `${c} is ${rows.filter((r) => r.code === c).map((r) => r.sport).join('/')}`);
      throw new AppError('FEATURE_SPORT_MISMATCH', `competitions: ${sports.join(', ')}; feature set ${set.name} is ${set.sport}`, {
        details: { field: 'competitions', competitions: elsewhere, featureSet: set.name, sport: set.sport },
      });
    }
    const unknown = spec.competitions.filter((c) => !ofSport.has(c));
    if (unknown.length) {
      const list = await sportCompetitionCodes(db, set.sport);
      throw new AppError('COMPETITION_UNKNOWN', `competitions: no ${set.sport} competition ${unknown.map((c) => JSON.stringify(c)).join(', ')} (${list.length ? `known: ${list.join(', ')}` : `none imported yet: \`sharpline import\` some ${set.sport} history first`})`, {
        details: { field: 'competitions', unknown, known: list, sport: set.sport },
      });
    }
  }
  return spec;
}

/** JSON with object keys sorted at every depth: equal values give equal text (hence equal hashes). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The run id: a hash of the spec, so the same submission twice is one run (and one job). */
export function runIdOf(spec: TrainingSpec): string {
  const { description: _ignored, ...identity } = spec;
  return 'run_' + createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 20);
}
