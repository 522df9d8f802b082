import { test } from 'vitest';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { simdKernelsAvailable } from '../../models/kernels/simd-kernels.ts';
import { train, type TrainerKernels, type TrainingData } from '../../models/index.ts';
import { seededRandom } from '../support/fixtures.ts';

/**
 * Seeded training is bit-for-bit reproducible, and these fingerprints pin the exact models (weights,
 * standardisation and epoch history) of these runs: a refactor that changes one rounding fails here.
 * The first pins were the single-file trainer's (models/trainer.ts before the split into
 * models/trainer/), on data from an LCG; the trainer that reproduced them bit for bit then computed
 * these, on the same data shapes drawn from the suite's one generator (tests/support/fixtures.ts).
 */
const FINGERPRINTS: Record<TrainerKernels, Record<string, string>> = {
  'wasm-simd': { 'logistic-3': '7c83e0be56c9219d', 'mlp-3': 'adeabf857473f8c7', 'mlp-2': '390b77810adaea5a' },
  js: { 'logistic-3': '6c9af821d2890d21', 'mlp-3': '5527d89d09d4530f', 'mlp-2': '3cca2c837cdd51a9' },
};

function data(nRows: number, nFeatures: number, nClasses: 2 | 3, seed: number): TrainingData {
  const r = seededRandom(seed);
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let f = 0; f < nFeatures; f++) X[i * nFeatures + f] = (r() * 2 - 1) * (1 + f) + f * 3;
    const z = X[i * nFeatures] - 0.5 * (X[i * nFeatures + 1] - 3) + (r() - 0.5) * 2;
    y[i] = nClasses === 2 ? (z > 0 ? 1 : 0) : z < -0.7 ? 0 : z > 0.7 ? 2 : 1;
  }
  return { X, y, nRows, nFeatures, classes: nClasses === 2 ? ['a', 'b'] : ['h', 'd', 'a'] };
}

const RUNS = [
  ['logistic-3', 3, { algo: 'logistic' }],
  ['mlp-3', 3, { algo: 'mlp', hidden: [8, 4], dropout: 0.2, epochs: 6 }],
  ['mlp-2', 2, { algo: 'mlp', hidden: [5], epochs: 4 }],
] as const;

for (const kernels of ['wasm-simd', 'js'] as const) {
  test(`seeded ${kernels} training reproduces the pinned models bit for bit`, { skip: Boolean(kernels === 'wasm-simd' && !simdKernelsAvailable() ? 'no WebAssembly SIMD in this runtime' : false) }, async () => {
    for (const [name, k, params] of RUNS) {
      const fit = await train(data(700, 5, k, 7), { ...params, hidden: 'hidden' in params ? [...params.hidden] : undefined, seed: 11 }, { kernels });
      assert.equal(fit.kernels, kernels);
      const fingerprint = createHash('sha256').update(JSON.stringify(fit.model)).update(JSON.stringify(fit.history)).digest('hex').slice(0, 16);
      assert.equal(fingerprint, FINGERPRINTS[kernels][name], `${kernels} ${name}`);
    }
  });
}
