/**
 * Seeded pseudo-random numbers, in one place: the code that must give the same numbers on every
 * run (the demo's synthetic league, the backtest's random bettor, the trainer's weight init and
 * shuffles, the explainers' samples) draws them from here rather than from a generator of its own.
 * The trainer and the explainers draw sfc32 streams; each keeps the seeding its pinned results
 * were made with.
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
 * Fills `out` with the next `out.length` numbers of `createRandomStream(state)` and returns the state
 * after them, so a caller drawing millions of numbers (the paired bootstrap) continues one stream
 * across calls without a closure call per draw.
 */
export function fillRandomStream(state: number, out: Float64Array): number {
  let a = state >>> 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return a;
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

/**
 * How an sfc32 stream is seeded: `splitmix` spreads the seed over the four state words with
 * splitmix32 and warms up 12 steps (the trainer's); `fixed` puts the seed in the counter word beside
 * three fixed constants and warms up 15 steps (the explainers').
 */
export type Sfc32Seeding = 'splitmix' | 'fixed';

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator): four 32-bit words, fast and well
 * distributed; not for cryptography.
 * @param seed any finite number (`splitmix` also uses its high bits; `fixed` its low 32 bits).
 */
export function createSfc32(seed: number, seeding: Sfc32Seeding = 'splitmix'): RandomStream {
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  let warmup: number;
  if (seeding === 'fixed') {
    a = 0x9e3779b9;
    b = 0x243f6a88;
    c = 0xb7e15162;
    d = seed >>> 0;
    warmup = 15;
  } else {
    let s = (seed | 0) ^ Math.floor(seed / 0x100000000);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    a = next();
    b = next();
    c = next();
    d = next();
    warmup = 12;
  }
  const step = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < warmup; i++) step();
  return step;
}

/** A uniform integer in [0, n) drawn from `random`. */
export function randomInt(random: RandomStream, n: number): number {
  return Math.floor(random() * n);
}

/** Shuffles `a` in place (Fisher–Yates) with `random`. */
export function shuffleInPlace(a: Int32Array | number[], random: RandomStream): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** A stream that always gives 0 (for code paths that take a stream but draw nothing, e.g. no dropout). */
export const noRandom: RandomStream = () => 0;
