import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError, uniformAt } from '../core/index.ts';
import { TrainParamsSchema, describeAllowed } from '../models/index.ts';
import { ALIAS_PATTERN, RESERVED_ALIASES } from '../registry/index.ts';
import { canonicalJson, parseTrainingSpec, runIdOf, TrainingSpecSchema, type TrainingSpec } from './spec.ts';

/**
 * A hyper-parameter sweep: a base training spec and a search over some of its trainer parameters,
 * either every combination of listed values (`grid`) or `n` seeded draws (`random`). Each trial is
 * an ordinary training run of the base spec with the trial's values; the sweep's best trial is the
 * one with the lowest validation log loss (the end of the training window the trainer holds out),
 * so the test window stays out of sample for the winner too.
 */
export interface SweepSpec {
  base: TrainingSpec;
  grid?: Record<string, SweepValue[]>;
  random?: { n: number; seed: number; parameters: Record<string, SweepValue[] | SweepRange> };
  /** When set, the best trial's version gets this alias once the sweep settles (e.g. `challenger`). */
  alias?: string;
  description?: string;
}

export type SweepValue = number | string | number[];

/** A numeric parameter drawn uniformly in [min, max] (on a log scale with `scale: "log"`). */
export interface SweepRange {
  min: number;
  max: number;
  scale?: 'linear' | 'log';
}

/** One trial: its index in the sweep, the swept values, and the training spec it runs. */
export interface SweepTrialPlan {
  trial: number;
  params: Record<string, SweepValue>;
  spec: TrainingSpec;
  runId: string;
}

/** Most trials one sweep may ask for: a sweep is a bounded unit of work, not a queue flood. */
export const MAX_SWEEP_TRIALS = 32;

/**
 * What a sweep may vary: the trainer parameters of the training spec (each value held to the
 * trainer's own bounds) and the spec's `seed`. Not `validationFraction` (every trial must be
 * scored on the same validation slice) nor `anchor` (column names, checked against the feature set).
 */
const PARAMETER_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  ...Object.fromEntries(Object.entries(TrainParamsSchema.properties).filter(([name]) => name !== 'validationFraction' && name !== 'anchor' && name !== 'anchorL2' && name !== 'anchorSelection' && name !== 'l2Candidates')),
  seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'the spec\'s seed (weight init, shuffles)' }),
});

/** The parameter names a sweep may vary. */
export const SWEEP_PARAMETERS: readonly string[] = Object.freeze(Object.keys(PARAMETER_SCHEMAS).sort());

const ValuesSchema = Type.Array(Type.Union([Type.Number(), Type.String(), Type.Array(Type.Integer())]), { minItems: 1, maxItems: MAX_SWEEP_TRIALS });
const RangeSchema = Type.Object({ min: Type.Number(), max: Type.Number(), scale: Type.Optional(Type.Union([Type.Literal('linear'), Type.Literal('log')])) }, { additionalProperties: false });

// The training spec's schema without its $id, so the sweep's document carries it inline.
const { $id: _trainingSpecId, ...trainingSpecShape } = TrainingSpecSchema;

/** The documented shape of a sweep spec (OpenAPI); `parseSweepSpec` enforces it field by field. */
export const SweepSpecSchema = Type.Object(
  {
    base: Type.Unsafe<TrainingSpec>({ ...trainingSpecShape, description: 'the training spec every trial starts from (algo logistic or mlp)' }),
    grid: Type.Optional(Type.Record(Type.String(), ValuesSchema, { description: `every combination of these values, at most ${MAX_SWEEP_TRIALS} trials; parameters: ${SWEEP_PARAMETERS.join(', ')}` })),
    random: Type.Optional(
      Type.Object(
        {
          n: Type.Integer({ minimum: 1, maximum: MAX_SWEEP_TRIALS, description: 'draws (repeated draws are one trial)' }),
          seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
          parameters: Type.Record(Type.String(), Type.Union([ValuesSchema, RangeSchema]), { description: 'a list to draw from, or a numeric range {min, max, scale: linear|log}' }),
        },
        { additionalProperties: false },
      ),
    ),
    alias: Type.Optional(Type.String({ pattern: ALIAS_PATTERN.source, description: 'alias the best trial\'s version gets when the sweep settles, e.g. challenger' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, $id: 'SweepSpec', description: 'exactly one of grid or random' },
);

interface Problem {
  field: string;
  message: string;
}

function refuse(problems: Problem[]): never {
  throw new AppError('SWEEP_SPEC_INVALID', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { details: { field: problems[0]!.field, problems } });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function valueProblems(field: string, name: string, values: unknown): Problem[] {
  const schema = PARAMETER_SCHEMAS[name];
  if (!schema) return [{ field, message: `${name} cannot be swept (parameters: ${SWEEP_PARAMETERS.join(', ')})` }];
  if (!Array.isArray(values) || values.length === 0) return [{ field, message: 'expected a non-empty list of values' }];
  const problems: Problem[] = [];
  values.forEach((value, i) => {
    if (!Value.Check(schema, value)) problems.push({ field: `${field}[${i}]`, message: `expected ${describeAllowed(schema)}, got ${JSON.stringify(value)}` });
  });
  const distinct = new Set(values.map((v) => JSON.stringify(v)));
  if (!problems.length && distinct.size !== values.length) problems.push({ field, message: 'lists a value twice' });
  return problems;
}

function rangeProblems(field: string, name: string, range: Record<string, unknown>): Problem[] {
  const schema = PARAMETER_SCHEMAS[name] as (TSchema & { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number }) | undefined;
  if (!schema) return [{ field, message: `${name} cannot be swept (parameters: ${SWEEP_PARAMETERS.join(', ')})` }];
  if (schema.type !== 'number' && schema.type !== 'integer') return [{ field, message: `${name} is not numeric: give a list of values to draw from` }];
  const unknown = Object.keys(range).filter((k) => !['min', 'max', 'scale'].includes(k));
  if (unknown.length) return [{ field: `${field}.${unknown[0]}`, message: 'unknown field (known: min, max, scale)' }];
  const problems: Problem[] = [];
  for (const bound of ['min', 'max'] as const) {
    if (!Value.Check(schema, range[bound])) problems.push({ field: `${field}.${bound}`, message: `expected ${describeAllowed(schema)}, got ${JSON.stringify(range[bound])}` });
  }
  if (range.scale !== undefined && range.scale !== 'linear' && range.scale !== 'log') problems.push({ field: `${field}.scale`, message: `expected linear or log, got ${JSON.stringify(range.scale)}` });
  if (problems.length) return problems;
  if ((range.min as number) > (range.max as number)) return [{ field: `${field}.min`, message: 'is above max' }];
  if (range.scale === 'log' && !((range.min as number) > 0)) return [{ field: `${field}.min`, message: 'must be > 0 on a log scale' }];
  return [];
}

/** Every combination of the grid's values, parameters in name order (the last varies fastest). */
function gridTrials(grid: Record<string, SweepValue[]>): Array<Record<string, SweepValue>> {
  return Object.keys(grid).sort().reduce<Array<Record<string, SweepValue>>>((combos, name) => combos.flatMap((c) => grid[name]!.map((v) => ({ ...c, [name]: v }))), [{}]);
}

/** `n` draws; draw i of parameter j is `uniformAt(seed, i · P + j)`, so each draw stands on its own. */
function randomTrials(random: NonNullable<SweepSpec['random']>): Array<Record<string, SweepValue>> {
  const names = Object.keys(random.parameters).sort();
  return Array.from({ length: random.n }, (_, i) =>
    Object.fromEntries(
      names.map((name, j) => {
        const u = uniformAt(random.seed, i * names.length + j);
        const choice = random.parameters[name]!;
        if (Array.isArray(choice)) return [name, choice[Math.min(choice.length - 1, Math.floor(u * choice.length))]!];
        const { min, max, scale } = choice;
        const drawn = scale === 'log' ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
        // Integers round to a whole number inside the range; floats keep 4 significant digits, so a trial reads well.
        const integer = (PARAMETER_SCHEMAS[name] as { type?: string }).type === 'integer';
        return [name, Math.min(max, Math.max(min, integer ? Math.round(drawn) : Number(drawn.toPrecision(4))))];
      }),
    ),
  );
}

/** The base spec with one trial's values: `seed` at the top, the rest in `params`. */
function trialSpec(base: TrainingSpec, values: Record<string, SweepValue>): unknown {
  const { seed, ...params } = values;
  return { ...base, params: { ...(base.params ?? {}), ...params }, ...(seed !== undefined ? { seed } : {}) };
}

/**
 * Checks a sweep spec on its own (no database): its shape, the base spec (as `parseTrainingSpec`,
 * fields prefixed `base.`), that exactly one of grid and random is given, every swept value within
 * the trainer's bounds, at most MAX_SWEEP_TRIALS trials, and each trial a valid training spec.
 * @throws AppError SWEEP_SPEC_INVALID naming the bad field (`details.field`, every one in `details.problems`)
 */
export function parseSweepSpec(input: unknown): { spec: SweepSpec; trials: SweepTrialPlan[] } {
  if (!isObject(input)) refuse([{ field: 'spec', message: `expected an object, got ${JSON.stringify(input)}` }]);
  const known = ['base', 'grid', 'random', 'alias', 'description'];
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length) refuse(unknown.map((k) => ({ field: k, message: `unknown field (known: ${known.join(', ')})` })));
  if (!isObject(input.base)) refuse([{ field: 'base', message: 'is required: the training spec every trial starts from' }]);
  let base: TrainingSpec;
  try {
    base = parseTrainingSpec(input.base);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'TRAINING_SPEC_INVALID') throw error;
    const problems = ((error.details as { problems?: Problem[] } | undefined)?.problems ?? [{ field: String((error.details as { field?: string })?.field ?? 'spec'), message: error.message }]);
    refuse(problems.map((p) => ({ field: `base.${p.field}`, message: p.message })));
  }
  const problems: Problem[] = [];
  if (base.algo === 'tfjs') problems.push({ field: 'base.algo', message: 'a sweep varies the trainer\'s params: logistic or mlp (tfjs is not swept)' });
  if (base.params?.validationFraction === 0) problems.push({ field: 'base.params.validationFraction', message: 'must be > 0: the sweep chooses its best trial on the validation slice' });
  if ((input.grid === undefined) === (input.random === undefined)) problems.push({ field: input.grid === undefined ? 'grid' : 'random', message: 'give exactly one of grid (every combination) or random ({ n, seed, parameters })' });
  if (input.alias !== undefined && (typeof input.alias !== 'string' || !ALIAS_PATTERN.test(input.alias) || RESERVED_ALIASES.includes(input.alias))) {
    problems.push({ field: 'alias', message: `expected an alias (a lower-case slug matching ${ALIAS_PATTERN.source}, not ${RESERVED_ALIASES.join(', ')}), got ${JSON.stringify(input.alias)}` });
  }
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 2000)) problems.push({ field: 'description', message: 'expected text of at most 2000 characters' });
  if (problems.length) refuse(problems);

  let combos: Array<Record<string, SweepValue>>;
  const spec: SweepSpec = { base };
  if (input.grid !== undefined) {
    if (!isObject(input.grid) || Object.keys(input.grid).length === 0) refuse([{ field: 'grid', message: 'expected { parameter: [values] } with at least one parameter' }]);
    for (const [name, values] of Object.entries(input.grid)) problems.push(...valueProblems(`grid.${name}`, name, values));
    if (problems.length) refuse(problems);
    spec.grid = input.grid as Record<string, SweepValue[]>;
    const count = Object.values(spec.grid).reduce((n, values) => n * values.length, 1);
    if (count > MAX_SWEEP_TRIALS) refuse([{ field: 'grid', message: `asks for ${count} trials; a sweep runs at most ${MAX_SWEEP_TRIALS}` }]);
    combos = gridTrials(spec.grid);
  } else {
    const random = input.random;
    if (!isObject(random)) refuse([{ field: 'random', message: 'expected { n, seed, parameters }' }]);
    const extra = Object.keys(random).filter((k) => !['n', 'seed', 'parameters'].includes(k));
    if (extra.length) problems.push({ field: `random.${extra[0]}`, message: 'unknown field (known: n, seed, parameters)' });
    if (!Number.isInteger(random.n) || (random.n as number) < 1 || (random.n as number) > MAX_SWEEP_TRIALS) problems.push({ field: 'random.n', message: `expected a whole number in [1, ${MAX_SWEEP_TRIALS}], got ${JSON.stringify(random.n)}` });
    if (!Number.isInteger(random.seed) || (random.seed as number) < 0 || (random.seed as number) > 2 ** 31 - 1) problems.push({ field: 'random.seed', message: `expected a whole number in [0, ${2 ** 31 - 1}], got ${JSON.stringify(random.seed)}` });
    if (!isObject(random.parameters) || Object.keys(random.parameters).length === 0) problems.push({ field: 'random.parameters', message: 'expected { parameter: [values] | { min, max, scale } } with at least one parameter' });
    else {
      for (const [name, choice] of Object.entries(random.parameters)) {
        problems.push(...(isObject(choice) ? rangeProblems(`random.parameters.${name}`, name, choice) : valueProblems(`random.parameters.${name}`, name, choice)));
      }
    }
    if (problems.length) refuse(problems);
    spec.random = { n: random.n as number, seed: random.seed as number, parameters: random.parameters as Record<string, SweepValue[] | SweepRange> };
    combos = randomTrials(spec.random);
  }
  if (input.alias !== undefined) spec.alias = input.alias as string;
  if (input.description !== undefined) spec.description = input.description as string;

  const trials: SweepTrialPlan[] = [];
  const seen = new Set<string>();
  for (const params of combos) {
    const index = trials.length;
    let trial: TrainingSpec;
    try {
      trial = parseTrainingSpec(trialSpec(base, params));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'TRAINING_SPEC_INVALID') throw error;
      refuse([{ field: input.grid !== undefined ? 'grid' : 'random.parameters', message: `trial ${JSON.stringify(params)} is not a valid training spec: ${error.message}` }]);
    }
    const runId = runIdOf(trial);
    // Two draws of the same values are one run: the sweep runs it once.
    if (seen.has(runId)) continue;
    seen.add(runId);
    trials.push({ trial: index, params, spec: trial, runId });
  }
  return { spec, trials };
}

/** The sweep id: a hash of the spec, so the same sweep submitted twice is one sweep. */
export function sweepIdOf(spec: SweepSpec): string {
  const { description: _ignored, ...identity } = spec;
  return 'swp_' + createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 20);
}
