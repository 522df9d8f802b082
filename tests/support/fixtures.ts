/**
 * Test fixtures shared across the suite: one seeded random generator, so every synthetic data set
 * is reproducible from its seed and no test depends on Math.random.
 */

/**
 * Uniform numbers in [0, 1) from a 32-bit seed (mulberry32: full 2^32 period, passes the usual
 * statistical batteries; a multiply-add LCG's low bits were poor and five copies of it drifted).
 * Two generators with the same seed give the same sequence.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

