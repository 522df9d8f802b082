/**
 * Test fixtures shared across the suite: one seeded random generator, so every synthetic data set
 * is reproducible from its seed and no test depends on Math.random (five copies of an LCG and two of
 * mulberry32 used to live in the test files).
 */
import { createRandomStream, type RandomStream } from '../../core/index.ts';
import type { TrainingData } from '../../models/index.ts';

/**
 * Uniform numbers in [0, 1) from a 32-bit seed: the kernel's mulberry32 stream (core/rng.ts), so the
 * tests and the code they check draw from one generator. Two calls with one seed give one sequence.
 */
export function seededRandom(seed: number): RandomStream {
  return createRandomStream(seed);
}

/** Features on realistic scales: an Elo-like rating (~1500 ± 100), a price (~2.5), a rate. */
export function bettingLike(nRows: number, nClasses: 2 | 3, seed: number): TrainingData {
  const r = seededRandom(seed);
  const nFeatures = 5;
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const elo = 1500 + (r() * 2 - 1) * 170;
    const price = 1.5 + r() * 3;
    const rate = r();
    X.set([elo, price, rate, r() * 10, (r() - 0.5) * 0.01], i * nFeatures);
    const z = (elo - 1500) / 100 - (price - 3) * 0.6 + (rate - 0.5) + (r() - 0.5) * 2;
    y[i] = nClasses === 2 ? (z > 0 ? 1 : 0) : z < -0.5 ? 2 : z > 0.5 ? 0 : 1;
  }
  return { X, y, nRows, nFeatures, classes: nClasses === 2 ? ['away', 'home'] : ['home', 'draw', 'away'] };
}
