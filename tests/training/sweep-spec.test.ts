import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { AppError } from '../../core/index.ts';
import { chooseBestTrial, parseSweepSpec, sweepIdOf, MAX_SWEEP_TRIALS, type ScoredTrial } from '../../training/index.ts';

const BASE = { model: 'syn-sweep', featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' };

/** The field a refused spec names, after asserting it was refused with SWEEP_SPEC_INVALID. */
function refusedField(input: unknown): string {
  try {
    parseSweepSpec(input);
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, 'SWEEP_SPEC_INVALID', error.message);
    return (error.details as { field: string }).field;
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

describe('sweep specs', () => {
  it('a grid is every combination, parameters in name order, each trial the base spec with its values', () => {
    const { spec, trials } = parseSweepSpec({ base: BASE, grid: { l2: [0.001, 0.1], learningRate: [0.01, 0.05] } });
    assert.deepEqual(trials.map((t) => t.params), [
      { l2: 0.001, learningRate: 0.01 },
      { l2: 0.001, learningRate: 0.05 },
      { l2: 0.1, learningRate: 0.01 },
      { l2: 0.1, learningRate: 0.05 },
    ]);
    assert.deepEqual(trials[3]!.spec.params, { l2: 0.1, learningRate: 0.05 });
    assert.equal(trials[3]!.spec.testFrom, BASE.testFrom);
    assert.equal(new Set(trials.map((t) => t.runId)).size, 4);
    // The same sweep is the same id; another grid is another sweep.
    assert.equal(sweepIdOf(spec), sweepIdOf(parseSweepSpec({ grid: { learningRate: [0.01, 0.05], l2: [0.001, 0.1] }, base: BASE }).spec));
    assert.notEqual(sweepIdOf(spec), sweepIdOf(parseSweepSpec({ base: BASE, grid: { l2: [0.001] } }).spec));
  });

  it('random search draws n trials from a seed: the same seed the same trials, within the ranges', () => {
    const input = { base: { ...BASE, algo: 'mlp' }, random: { n: 6, seed: 7, parameters: { l2: { min: 1e-5, max: 1e-1, scale: 'log' }, epochs: { min: 5, max: 20 }, hidden: [[8], [16, 8]] } } };
    const a = parseSweepSpec(input).trials;
    const b = parseSweepSpec(structuredClone(input)).trials;
    assert.deepEqual(a.map((t) => t.params), b.map((t) => t.params));
    assert.equal(a.length, 6);
    for (const t of a) {
      const { l2, epochs, hidden } = t.params as { l2: number; epochs: number; hidden: number[] };
      assert.ok(l2 >= 1e-5 && l2 <= 1e-1, String(l2));
      assert.ok(Number.isInteger(epochs) && epochs >= 5 && epochs <= 20, String(epochs));
      assert.ok([[8], [16, 8]].some((h) => JSON.stringify(h) === JSON.stringify(hidden)));
    }
    const other = parseSweepSpec({ ...input, random: { ...input.random, seed: 8 } }).trials;
    assert.notDeepEqual(other.map((t) => t.params), a.map((t) => t.params));
  });

  it('repeated random draws are one trial (one run)', () => {
    const { trials } = parseSweepSpec({ base: BASE, random: { n: 10, seed: 1, parameters: { calibrate: ['none', 'temperature'] } } });
    assert.deepEqual(trials.map((t) => t.params.calibrate).sort(), ['none', 'temperature']);
  });

  it('refuses a bad spec with SWEEP_SPEC_INVALID naming the field', () => {
    assert.equal(refusedField({ grid: { l2: [0.1] } }), 'base');
    assert.equal(refusedField({ base: { ...BASE, testFrom: '2025-01-01' }, grid: { l2: [0.1] } }), 'base.testFrom');
    assert.equal(refusedField({ base: BASE }), 'grid');
    assert.equal(refusedField({ base: BASE, grid: { l2: [0.1] }, random: { n: 2, seed: 1, parameters: { l2: [0.1] } } }), 'random');
    assert.equal(refusedField({ base: BASE, grid: { l2: [0.1, -1] } }), 'grid.l2[1]');
    assert.equal(refusedField({ base: BASE, grid: { l2: [0.1, 0.1] } }), 'grid.l2');
    assert.equal(refusedField({ base: BASE, grid: { validationFraction: [0.1, 0.2] } }), 'grid.validationFraction');
    assert.equal(refusedField({ base: BASE, grid: { momentum: [0.9] } }), 'grid.momentum');
    assert.equal(refusedField({ base: BASE, grid: { epochs: [1, 2, 3, 4, 5, 6], l2: [0, 0.1, 0.2, 0.3, 0.4, 0.5] } }), 'grid');
    assert.equal(refusedField({ base: BASE, random: { n: MAX_SWEEP_TRIALS + 1, seed: 1, parameters: { l2: [0.1] } } }), 'random.n');
    assert.equal(refusedField({ base: BASE, random: { n: 2, seed: 1, parameters: { l2: { min: 0, max: 0.1, scale: 'log' } } } }), 'random.parameters.l2.min');
    assert.equal(refusedField({ base: BASE, random: { n: 2, seed: 1, parameters: { hidden: { min: 1, max: 4 } } } }), 'random.parameters.hidden');
    assert.equal(refusedField({ base: { ...BASE, params: { validationFraction: 0 } }, grid: { l2: [0.1] } }), 'base.params.validationFraction');
    assert.equal(refusedField({ base: BASE, grid: { l2: [0.1] }, alias: 'Not An Alias' }), 'alias');
    assert.equal(refusedField({ base: BASE, grid: { l2: [0.1] }, extra: 1 }), 'extra');
    // A combination the trainer refuses: logistic regression has no hidden layers.
    assert.equal(refusedField({ base: BASE, grid: { hidden: [[8]] } }), 'grid');
  });
});

describe('choosing the best trial', () => {
  const trial = (i: number, validationLogLoss: number | null, testLogLoss: number | null, status: ScoredTrial['status'] = 'succeeded'): ScoredTrial => ({
    trial: i, params: { l2: i }, runId: `run_${i}`, status, model: 'm', version: i + 1, validationLogLoss, testLogLoss, error: null,
  });

  it('takes the lowest validation log loss, even when another trial is better on the test window', () => {
    const trials = [trial(0, 0.98, 0.90), trial(1, 0.95, 0.99), trial(2, 0.97, 0.93)];
    // On the test window trial 0 would win; the sweep must not look there.
    assert.equal(Math.min(...trials.map((t) => t.testLogLoss!)), trials[0]!.testLogLoss);
    assert.equal(chooseBestTrial(trials)?.trial, 1);
  });

  it('skips trials that did not succeed; ties go to the earlier trial; none succeeded: none', () => {
    assert.equal(chooseBestTrial([trial(0, 0.5, 0.5, 'failed'), trial(1, 0.9, 0.9), trial(2, 0.9, 0.8)])?.trial, 1);
    assert.equal(chooseBestTrial([trial(0, null, null, 'failed'), trial(1, null, null, 'cancelled')]), undefined);
  });
});
