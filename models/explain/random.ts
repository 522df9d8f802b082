/**
 * Seeded pseudo-random numbers so sampled explanations and permutation importances are
 * reproducible. Each generator owns its state; nothing is shared between callers.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * Creates a sfc32 generator seeded from a 32-bit integer.
 *
 * @param seed any finite number; its low 32 bits are used.
 */
export function createRng(seed: number): Rng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const step = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Warm up so nearby seeds give unrelated streams.
  for (let i = 0; i < 15; i++) step();
  return {
    next: step,
    int: (n: number) => Math.floor(step() * n),
  };
}

/** Shuffles `a` in place (Fisher–Yates) using `rng`. */
export function shuffleInPlace(a: Int32Array | number[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
