/**
 * Seeded pseudo-random numbers, in one place: the code that must give the same numbers on every
 * run (the demo's synthetic league, the backtest's random bettor) draws them from here rather than
 * from a generator of its own. (The trainer and the explainers in models/ keep their sfc32 streams:
 * their seeded results are pinned by tests.)
 */

/** A stream of uniform numbers in [0, 1). */
export type RandomStream = () => number;

/**
 * Mulberry32: small, fast, seedable, 2^32 period; enough for simulation, not for cryptography.
 * @param seed any number; its low 32 bits are the state.
 */
export function createRandomStream(seed: number): RandomStream {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The `index`-th uniform number in [0, 1) of the stream named by `seed` (a splitmix32 finaliser
 * over seed and index): addressable, so a draw does not depend on how many came before it.
 */
export function uniformAt(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b9) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
}
