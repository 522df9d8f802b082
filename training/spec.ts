import { createHash } from 'node:crypto';
import { AppError } from '../src/shared/errors.ts';
import type { BacktestSettings } from './market-backtest.ts';

/** What a data scientist asks for. Windows are ISO dates; `to` bounds are inclusive days. */
export interface TrainingSpec {
  model: string;
  featureSet: string;
  algo: 'logistic' | 'mlp';
  trainFrom?: string;
  trainTo: string;
  testFrom: string;
  testTo: string;
  competitions?: string[];
  /** Trainer hyper-parameters (hidden, dropout, l2, learningRate, batchSize, epochs, ...). */
  params?: Record<string, unknown>;
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

const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const KNOWN_KEYS = new Set(['model', 'featureSet', 'algo', 'trainFrom', 'trainTo', 'testFrom', 'testTo', 'competitions', 'params', 'seed', 'minEdge', 'kellyFraction', 'prices', 'commission', 'maxStake', 'description']);

function invalid(field: string, message: string): never {
  throw new AppError('TRAINING_SPEC_INVALID', `${field}: ${message}`, { details: { field } });
}

function date(input: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = input[field];
  if (value === undefined || value === null || value === '') {
    if (required) invalid(field, 'is required (YYYY-MM-DD)');
    return undefined;
  }
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value + 'T00:00:00Z'))) invalid(field, `expected YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Validates a submitted spec; every problem names its field.
 * Checks the windows are ordered and do not overlap (the test window starts after training ends).
 * @throws AppError TRAINING_SPEC_INVALID
 */
export function parseTrainingSpec(input: unknown): TrainingSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid('spec', 'expected an object');
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN_KEYS.has(key)) invalid(key, 'unknown field');
  if (typeof o.model !== 'string' || !MODEL_NAME.test(o.model)) invalid('model', 'lower-case letters, digits, ".", "_" or "-", up to 64 characters');
  if (typeof o.featureSet !== 'string' || !o.featureSet) invalid('featureSet', 'is required');
  const algo = o.algo ?? 'logistic';
  if (algo !== 'logistic' && algo !== 'mlp') invalid('algo', `expected logistic or mlp, got ${JSON.stringify(algo)}`);
  const trainFrom = date(o, 'trainFrom', false);
  const trainTo = date(o, 'trainTo', true)!;
  const testFrom = date(o, 'testFrom', true)!;
  const testTo = date(o, 'testTo', true)!;
  if (trainFrom && trainFrom > trainTo) invalid('trainFrom', 'is after trainTo');
  if (testFrom <= trainTo) invalid('testFrom', `must be after trainTo (${trainTo}): the test window is out of sample`);
  if (testTo < testFrom) invalid('testTo', 'is before testFrom');
  let competitions: string[] | undefined;
  if (o.competitions !== undefined) {
    const list = typeof o.competitions === 'string' ? o.competitions.split(',') : o.competitions;
    if (!Array.isArray(list) || list.some((c) => typeof c !== 'string' || !c.trim())) invalid('competitions', 'expected a list of competition codes');
    competitions = [...new Set((list as string[]).map((c) => c.trim()))].sort();
  }
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) invalid('params', 'expected an object');
  const number = (field: string, min: number, max: number): number | undefined => {
    const v = o[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) invalid(field, `expected a number in [${min}, ${max}]`);
    return v;
  };
  const seed = number('seed', 0, 2 ** 31 - 1);
  if (o.prices !== undefined && o.prices !== 'book' && o.prices !== 'best') invalid('prices', `expected book or best, got ${JSON.stringify(o.prices)}`);
  const commission = number('commission', 0, 0.99);
  const maxStake = number('maxStake', Number.MIN_VALUE, 1e9);
  if (seed !== undefined && !Number.isInteger(seed)) invalid('seed', 'expected a whole number');
  return {
    model: o.model as string,
    featureSet: o.featureSet as string,
    algo,
    ...(trainFrom ? { trainFrom } : {}),
    trainTo,
    testFrom,
    testTo,
    ...(competitions ? { competitions } : {}),
    ...(o.params ? { params: o.params as Record<string, unknown> } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(number('minEdge', 0, 10) !== undefined ? { minEdge: o.minEdge as number } : {}),
    ...(number('kellyFraction', Number.MIN_VALUE, 1) !== undefined ? { kellyFraction: o.kellyFraction as number } : {}),
    ...(o.prices !== undefined ? { prices: o.prices as 'book' | 'best' } : {}),
    ...(commission !== undefined ? { commission } : {}),
    ...(maxStake !== undefined ? { maxStake } : {}),
    ...(typeof o.description === 'string' ? { description: o.description } : {}),
  };
}

/** The backtest settings a spec asks for (defaults filled by the backtest). */
export function backtestSettingsOf(spec: TrainingSpec): BacktestSettings {
  return { prices: spec.prices, minEdge: spec.minEdge, kellyFraction: spec.kellyFraction, commission: spec.commission, maxStake: spec.maxStake };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The run id: a hash of the spec, so the same submission twice is one run (and one job). */
export function runIdOf(spec: TrainingSpec): string {
  const { description: _ignored, ...identity } = spec;
  return 'run_' + createHash('sha256').update(canonical(identity)).digest('hex').slice(0, 20);
}
