import { Type, type TSchema } from '@sinclair/typebox';
import { LOGISTIC_DEFAULTS, MLP_DEFAULTS, type TrainParams } from './trainer/index.ts';

/**
 * The trainer parameters a training spec may set (`params`), with the bounds a submission is held
 * to. The bounds refuse absurd jobs before they are queued (a 50-layer network, a million epochs)
 * while leaving every setting the benchmarks and the quality runs use well inside them. `algo` and
 * `seed` are set at the spec's top level, not here.
 */
export const TRAIN_PARAM_LIMITS = Object.freeze({ maxLayers: 8, maxUnits: 1024, maxEpochs: 10_000, maxBatchSize: 65_536 });

export const TrainParamsSchema = Type.Object(
  {
    hidden: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: TRAIN_PARAM_LIMITS.maxUnits }), {
        maxItems: TRAIN_PARAM_LIMITS.maxLayers,
        description: `hidden layer widths (mlp only; logistic has none), at most ${TRAIN_PARAM_LIMITS.maxLayers} layers of 1..${TRAIN_PARAM_LIMITS.maxUnits} units`,
      }),
    ),
    dropout: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, description: 'inverted-dropout rate on hidden activations' })),
    l2: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'L2 penalty 0.5·l2·Σw² on weights' })),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Adam learning rate' })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: TRAIN_PARAM_LIMITS.maxBatchSize, description: 'rows per gradient step' })),
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: TRAIN_PARAM_LIMITS.maxEpochs, description: 'most passes over the training rows' })),
    earlyStoppingPatience: Type.Optional(Type.Integer({ minimum: 0, maximum: TRAIN_PARAM_LIMITS.maxEpochs, description: 'stop after this many epochs without a better validation loss (0: never)' })),
    validationFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, description: 'share of the training window, from its end, held out for early stopping (0: none)' })),
    anchor: Type.Optional(
      Type.Array(Type.String({ maxLength: 100, pattern: '^([a-z0-9_]+)?$', description: 'a feature column name, or empty for none' }), {
        maxItems: 64,
        description: "anchored model: per logit (one per class; one for two classes) the feature whose value is a fixed logit offset, '' for none (e.g. soccer 1X2: mkt_home_draw, '', mkt_away_draw)",
      }),
    ),
    anchorL2: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 10 }), { minItems: 1, maxItems: 16, description: 'L2 strengths tried for an anchored model\'s correction; the validation slice picks one' })),
    anchorSelection: Type.Optional(Type.Union([Type.Literal('interval'), Type.Literal('mean')], { description: "anchored model keeps its correction when its validation gain's bootstrap interval is below zero (interval) or its mean is (mean)" })),
    calibrate: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('temperature'), Type.Literal('affine'), Type.Literal('auto')], { description: 'after the fit, on the validation slice: temperature scaling, affine (scale and per-class offsets), or auto (none/temperature/affine chosen by 2-fold held-out log loss within the slice)' })),
    l2Select: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('rolling')], { description: 'rolling: l2 chosen among l2Candidates on rolling-origin folds of the training rows before the fit (not for anchored models); none: l2 as given' })),
    l2Candidates: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 1, maxItems: 16, description: 'L2 strengths l2Select rolling tries' })),
  },
  { additionalProperties: false, description: 'trainer parameters; unset ones take the algorithm’s defaults' },
);

/** A schema's allowed values in words: `a whole number in [1, 10000]`, `one of logistic, mlp`. */
export function describeAllowed(schema: TSchema): string {
  const s = schema as TSchema & Record<string, unknown>;
  if (Array.isArray(s.anyOf) && s.anyOf.every((b: Record<string, unknown>) => 'const' in b)) return `one of ${s.anyOf.map((b: Record<string, unknown>) => String(b.const)).join(', ')}`;
  if (s.type === 'integer' || s.type === 'number') {
    const low = s.exclusiveMinimum !== undefined ? `(${String(s.exclusiveMinimum)}` : s.minimum !== undefined ? `[${String(s.minimum)}` : '(-∞';
    const high = s.maximum !== undefined ? `${String(s.maximum)}]` : '∞)';
    return `${s.type === 'integer' ? 'a whole number' : 'a number'} in ${low}, ${high}`;
  }
  if (s.type === 'array') return `a list of at most ${String(s.maxItems ?? '∞')} × ${describeAllowed(s.items as TSchema)}`;
  if (s.type === 'string') return typeof s.format === 'string' ? s.format : s.pattern ? String(s.description ?? `text matching ${String(s.pattern)}`) : `text of at most ${String(s.maxLength ?? '∞')} characters`;
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'object') return 'an object';
  return 'a valid value';
}

/** One line per parameter: name, allowed values and the defaults of each algorithm (for `train --help`). */
export function describeTrainParams(): string {
  const properties = TrainParamsSchema.properties as Record<string, TSchema>;
  const rows = Object.entries(properties).map(([name, schema]) => {
    const key = name as keyof TrainParams;
    const shown = (v: unknown) => JSON.stringify(v);
    const defaults = `logistic ${shown(LOGISTIC_DEFAULTS[key])}, mlp ${shown(MLP_DEFAULTS[key])}`;
    return { name, allowed: schema.type === 'array' ? `at most ${String(schema.maxItems)} × ${describeAllowed(schema.items as TSchema)}` : describeAllowed(schema), defaults, what: String(schema.description ?? '') };
  });
  const width = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `  ${r.name.padEnd(width)}  ${r.allowed}; default ${r.defaults}\n  ${' '.repeat(width)}  ${r.what}`).join('\n');
}
