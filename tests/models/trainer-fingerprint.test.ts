import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { simdKernelsAvailable } from '../../models/kernels/simd-kernels.ts';
import { train, type TrainerKernels, type TrainingData } from '../../models/index.ts';

/**
 * Seeded training is bit-for-bit reproducible, and these fingerprints pin the exact models (weights,
 * standardisation and epoch history) that the single-file trainer (models/trainer.ts before the split
 * into models/trainer/) produced for these runs: a refactor that changes one rounding fails here.
 */
const FINGERPRINTS: Record<TrainerKernels, Record<string, string>> = {
  'wasm-simd': { 'logistic-3': 'a558502b67cb9a0b', 'mlp-3': '0df75df642dbbed6', 'mlp-2': '5fa73ab08d101455' },
  js: { 'logistic-3': '2e3d72e342c4b5b9', 'mlp-3': 'fa35446fe8d5618a', 'mlp-2': '1763ad7460e8d810' },
};

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function data(nRows: number, nFeatures: number, nClasses: 2 | 3, seed: number): TrainingData {
  const r = lcg(seed);
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
  test(`seeded ${kernels} training reproduces the pinned models bit for bit`, { skip: kernels === 'wasm-simd' && !simdKernelsAvailable() ? 'no WebAssembly SIMD in this runtime' : false }, async () => {
    for (const [name, k, params] of RUNS) {
      const fit = await train(data(700, 5, k, 7), { ...params, hidden: 'hidden' in params ? [...params.hidden] : undefined, seed: 11 }, { kernels });
      assert.equal(fit.kernels, kernels);
      const fingerprint = createHash('sha256').update(JSON.stringify(fit.model)).update(JSON.stringify(fit.history)).digest('hex').slice(0, 16);
      assert.equal(fingerprint, FINGERPRINTS[kernels][name], `${kernels} ${name}`);
    }
  });
}
