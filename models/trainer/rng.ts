// The trainer's seeded random stream (weight init, shuffling, dropout).
/** Uniform float in [0, 1) from a 32-bit state; sfc32 is fast, small and well distributed. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  // Spread the seed over four words with splitmix32 so nearby seeds give unrelated streams.
  let s = (seed | 0) ^ Math.floor(seed / 0x100000000);
  const next = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  const rng = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) rng();
  return rng;
}

export function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}


export const noRng: Rng = () => 0;
