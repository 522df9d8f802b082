import { test } from 'vitest';
import assert from 'node:assert/strict';
import { resolveTrainParams, train, type TrainerKernels } from '../../../models/index.ts';
import { isAppError } from '../../../core/errors.ts';
import { expectRejects, synthetic } from './fixtures.ts';

// Parameters and inputs: validation with coded errors, defaults per algorithm.

test('bad inputs and parameters are rejected with codes and details naming the problem', async () => {
  const data = synthetic(100, 3, 3, 1);
  const nanX = data.X.slice();
  nanX[2 * 3 + 1] = NaN;
  const nan = await expectRejects(train({ ...data, X: nanX }), 'MODEL_INPUT_INVALID');
  assert.deepEqual([nan.field, nan.row, nan.feature], ['X', 2, 1]);
  const inf = data.X.slice();
  inf[0] = -Infinity;
  await expectRejects(train({ ...data, X: inf }), 'MODEL_INPUT_INVALID');
  const badY = Int32Array.from(data.y as ArrayLike<number>);
  badY[7] = 3;
  const label = await expectRejects(train({ ...data, y: badY }), 'MODEL_INPUT_INVALID');
  assert.deepEqual([label.field, label.row, label.value], ['y', 7, 3]);
  await expectRejects(train({ ...data, y: Array.from({ length: 100 }, () => 0.5) }), 'MODEL_INPUT_INVALID');
  await expectRejects(train({ ...data, y: badY.subarray(0, 50) }), 'MODEL_INPUT_INVALID');
  await expectRejects(train({ ...data, X: new Float32Array(0), y: [], nRows: 0 }), 'TRAINING_DATA_EMPTY');
  await expectRejects(train({ ...data, classes: ['only'] }), 'TRAINING_SPEC_INVALID');
  const lr = await expectRejects(train(data, { learningRate: -1 }), 'TRAINING_SPEC_INVALID');
  assert.equal(lr.field, 'learningRate');
  const hidden = await expectRejects(train(data, { algo: 'logistic', hidden: [4] }), 'TRAINING_SPEC_INVALID');
  assert.equal(hidden.field, 'hidden');
  await expectRejects(train(data, { dropout: 1 }), 'TRAINING_SPEC_INVALID');
  await expectRejects(train(data, { batchSize: 0 }), 'TRAINING_SPEC_INVALID');
});

test('defaults differ by algorithm and overrides are merged', () => {
  assert.deepEqual(resolveTrainParams({ algo: 'logistic' }).hidden, []);
  assert.deepEqual(resolveTrainParams().hidden, [32, 16]);
  assert.equal(resolveTrainParams({ algo: 'mlp', epochs: 3 }).epochs, 3);
});

test('an unknown kernels option is rejected with TRAINING_SPEC_INVALID', async () => {
  const data = synthetic(100, 3, 3, 1);
  try {
    await train(data, {}, { kernels: 'gpu' as unknown as TrainerKernels });
    assert.fail('expected a rejection');
  } catch (error) {
    assert.ok(isAppError(error));
    assert.equal(error.code, 'TRAINING_SPEC_INVALID');
    assert.equal((error.details as Record<string, unknown>).field, 'kernels');
  }
});
