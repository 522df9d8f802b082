/**
 * Test fixtures shared across the suite: one seeded random generator, so every synthetic data set
 * is reproducible from its seed and no test depends on Math.random (five copies of an LCG and two of
 * mulberry32 used to live in the test files).
 */
import { createRandomStream, type RandomStream } from '../../core/index.ts';

/**
 * Uniform numbers in [0, 1) from a 32-bit seed: the kernel's mulberry32 stream (core/rng.ts), so the
 * tests and the code they check draw from one generator. Two calls with one seed give one sequence.
 */
export function seededRandom(seed: number): RandomStream {
  return createRandomStream(seed);
}
