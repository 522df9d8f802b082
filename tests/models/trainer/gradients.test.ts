import { test } from 'vitest';
import assert from 'node:assert/strict';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { initTf, lossAndGradients } from '../../../models/index.ts';
import { seededRandom } from '../../support/fixtures.ts';
import { assertMatchesFiniteDifferences, PATHS, referenceLoss, tinyModel } from './fixtures.ts';

// Backprop: the trainer's gradients against central finite differences, tf.grad, and across its two kernel paths.

for (const [output, sizes] of [
  ['softmax', [4, 5, 3, 3]],
  ['sigmoid', [4, 6, 1]],
  ['softmax', [4, 3]],
] as const) {
  test(`backprop matches finite differences and tf.grad (${output}, ${sizes.join('-')})`, async () => {
    const model = tinyModel(output, [...sizes], 11);
    const n = 12;
    const r = seededRandom(5);
    const X = new Float32Array(n * sizes[0]).map(() => r() * 4 - 2);
    const nClasses = model.classes.length;
    const y = Int32Array.from({ length: n }, (_, i) => i % nClasses);
    const l2 = 0.01;
    const { loss, gradients } = lossAndGradients(model, X, y, n, l2);
    assert.ok(Math.abs(loss - referenceLoss(model, X, y, n, l2)) < 1e-5);

    // Central finite differences in float64 on every parameter.
    assertMatchesFiniteDifferences(model, X, y, n, l2, gradients, 'backprop');

    // tfjs autodiff on the same function.
    const { tf } = await initTf();
    const before = tf.memory().numTensors;
    const tfGrads = tf.tidy(() => {
      const mean = tf.tensor1d(model.standardization.mean);
      const std = tf.tensor1d(model.standardization.std);
      const xs = tf.tensor2d(X, [n, sizes[0]]).sub(mean).div(std);
      const params = model.layers.flatMap((layer) => [
        tf.tensor2d(layer.weights, [layer.inputSize, layer.outputSize]),
        tf.tensor1d(layer.bias),
      ]);
      const lossFn = (...p: Tensor[]): Scalar => {
        let h: Tensor = xs;
        let penalty: Tensor = tf.scalar(0);
        for (let l = 0; l < model.layers.length; l++) {
          h = tf.add(tf.matMul(h as Tensor2D, p[2 * l] as Tensor2D), p[2 * l + 1]);
          if (l < model.layers.length - 1) h = tf.relu(h);
          penalty = penalty.add(tf.sum(tf.square(p[2 * l])));
        }
        let data: Tensor;
        if (output === 'sigmoid') {
          const t = tf.tensor2d(Float32Array.from(y), [n, 1]);
          data = tf.mean(tf.sub(tf.softplus(h), tf.mul(t, h)));
        } else {
          const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), nClasses);
          data = tf.mean(tf.sub(tf.logSumExp(h, 1), tf.sum(tf.mul(h, onehot), 1)));
        }
        return data.add(penalty.mul(0.5 * l2)) as Scalar;
      };
      return tf.grads(lossFn)(params).map((g) => g.dataSync());
    });
    assert.equal(tf.memory().numTensors, before);
    model.layers.forEach((_, l) => {
      for (const [ours, theirs] of [
        [gradients[l].weights, tfGrads[2 * l]],
        [gradients[l].bias, tfGrads[2 * l + 1]],
      ]) {
        for (let i = 0; i < ours.length; i++) {
          assert.ok(Math.abs(ours[i] - theirs[i]) < 1e-5 + 1e-4 * Math.abs(theirs[i]), `layer ${l}[${i}]: ${ours[i]} vs tf ${theirs[i]}`);
        }
      }
    });
  });
}

for (const [output, sizes, n] of [
  ['softmax', [4, 5, 3, 3], 12],
  ['sigmoid', [4, 6, 1], 12],
  ['softmax', [4, 3], 12],
  ['softmax', [7, 9, 6, 3], 13],
] as const) {
  test(`gradients match finite differences on both kernel paths, and each other (${output}, ${sizes.join('-')}, ${n} rows)`, () => {
    const model = tinyModel(output, [...sizes], 11);
    const r = seededRandom(5);
    const X = new Float32Array(n * sizes[0]).map(() => r() * 4 - 2);
    const y = Int32Array.from({ length: n }, (_, i) => i % model.classes.length);
    const l2 = 0.01;
    const results = PATHS.map((kernels) => lossAndGradients(model, X, y, n, l2, kernels));
    for (const [p, { loss, gradients }] of results.entries()) {
      assert.ok(Math.abs(loss - referenceLoss(model, X, y, n, l2)) < 1e-5, `${PATHS[p]} loss`);
      assertMatchesFiniteDifferences(model, X, y, n, l2, gradients, PATHS[p]);
    }
    const [wasm, js] = results;
    wasm.gradients.forEach((layer, l) => {
      for (const key of ['weights', 'bias'] as const) {
        for (let i = 0; i < layer[key].length; i++) {
          const a = layer[key][i];
          const b = js.gradients[l][key][i];
          assert.ok(Math.abs(a - b) < 1e-6 + 1e-5 * Math.abs(b), `layer ${l} ${key}[${i}]: wasm ${a} vs js ${b}`);
        }
      }
    });
  });
}
