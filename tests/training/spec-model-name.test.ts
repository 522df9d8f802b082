import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../core/errors.ts';
import { parseTrainingSpec } from '../../training/index.ts';
import { MODEL_NAME_PATTERN } from '../../registry/index.ts';

const SPEC = { featureSet: 'soccer-1x2-base', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' };

describe('one rule for model names: a training spec takes what the registry takes', () => {
  it('accepts every name length the registry accepts (up to 100 characters)', () => {
    for (const length of [1, 64, 65, 100]) {
      const model = 'm'.repeat(length);
      assert.ok(MODEL_NAME_PATTERN.test(model));
      assert.equal(parseTrainingSpec({ ...SPEC, model }).model, model, `${length} characters`);
    }
  });

  it('refuses a longer name, or one the registry refuses, as TRAINING_SPEC_INVALID on the model field', () => {
    for (const model of ['m'.repeat(101), 'Upper', '-dash-first', 'has space']) {
      assert.equal(MODEL_NAME_PATTERN.test(model), false);
      assert.throws(() => parseTrainingSpec({ ...SPEC, model }), (e: unknown) => e instanceof AppError && e.code === 'TRAINING_SPEC_INVALID' && (e.details as { field: string }).field === 'model', model);
    }
  });
});
