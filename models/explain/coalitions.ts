import { binomial } from './exact.ts';
import { randomInt, type RandomStream as Rng } from '../../core/index.ts';

/** Coalitions for kernel SHAP: `n × M` membership bytes and one regression weight each. */
export interface CoalitionDesign {
  readonly n: number;
  readonly members: Uint8Array;
  readonly weights: Float64Array;
  /** True when every proper non-empty coalition is present (kernel SHAP is then exact). */
  readonly complete: boolean;
}

/**
 * Chooses coalitions and kernel weights for `M` players within a budget of `nSamples`.
 *
 * The Shapley kernel puts mass `μ(s) ∝ (M−1)/(s(M−s))` on coalition size `s`. Sizes are
 * visited in pairs `{s, M−s}` from the outside in (most mass first); a pair is enumerated
 * completely (each coalition weighted `μ(s)/C(M,s)`) while the remaining budget covers it at
 * its share of the mass, as the reference implementation does. The remaining budget is then
 * split across the remaining size pairs in proportion to their mass (stratified rather than
 * i.i.d., which lowers variance), coalitions are drawn without repetition, each with its
 * complement (antithetic pairs), and a size pair's mass is shared equally by its draws.
 * When the budget covers all `2^M − 2` coalitions they are all enumerated.
 */
export function designCoalitions(M: number, nSamples: number, rng: Rng): CoalitionDesign {
  const budget = Math.max(2, Math.floor(nSamples));
  const mu = new Float64Array(M + 1);
  let total = 0;
  for (let s = 1; s < M; s++) {
    mu[s] = (M - 1) / (s * (M - s));
    total += mu[s];
  }
  for (let s = 1; s < M; s++) mu[s] /= total;

  const members: Uint8Array[] = [];
  const weights: number[] = [];
  const seen = new Set<number | string>();
  const add = (set: Uint8Array, weight: number): void => {
    members.push(set);
    weights.push(weight);
  };

  const levels: number[] = [];
  for (let s = 1; s <= Math.floor(M / 2); s++) levels.push(s);
  const levelMass = (s: number): number => (2 * s === M ? mu[s] : mu[s] + mu[M - s]);
  const levelCount = (s: number): number => (2 * s === M ? binomial(M, s) : 2 * binomial(M, s));

  let remaining = budget;
  let remainingMass = 1;
  let li = 0;
  for (; li < levels.length; li++) {
    const s = levels[li];
    const count = levelCount(s);
    if (remaining * (levelMass(s) / remainingMass) < count - 1e-8) break;
    forEachCombination(M, s, (set) => {
      add(set, mu[s] / binomial(M, s));
      if (2 * s !== M) add(complement(set), mu[M - s] / binomial(M, s));
    });
    remaining -= count;
    remainingMass -= levelMass(s);
  }
  const complete = li === levels.length;

  if (!complete && remaining >= 2) {
    const rest = levels.slice(li);
    const restMass = rest.reduce((a, s) => a + levelMass(s), 0);
    // Largest-remainder split of the remaining pairs over the remaining size pairs.
    const pairs = Math.floor(remaining / 2);
    const quota = rest.map((s) => (pairs * levelMass(s)) / restMass);
    const alloc = quota.map(Math.floor);
    let left = pairs - alloc.reduce((a, b) => a + b, 0);
    const order = quota.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
    for (const [, i] of order) {
      if (left-- <= 0) break;
      alloc[i]++;
    }
    rest.forEach((s, i) => {
      const available = levelCount(s) / 2;
      const want = Math.min(alloc[i], available);
      if (want <= 0) return;
      const drawn: Uint8Array[] = [];
      let tries = 0;
      while (drawn.length < want && tries < want * 20) {
        tries++;
        const set = randomSubset(M, s, rng);
        const key = coalitionKey(set, false);
        const ckey = coalitionKey(set, true);
        if (seen.has(key) || seen.has(ckey)) continue;
        seen.add(key);
        seen.add(ckey);
        drawn.push(set);
      }
      const m = drawn.length;
      for (const set of drawn) {
        if (2 * s === M) {
          add(set, mu[s] / (2 * m));
          add(complement(set), mu[s] / (2 * m));
        } else {
          add(set, mu[s] / m);
          add(complement(set), mu[M - s] / m);
        }
      }
    });
  }

  const n = members.length;
  const flat = new Uint8Array(n * M);
  members.forEach((set, i) => flat.set(set, i * M));
  return { n, members: flat, weights: Float64Array.from(weights), complete };
}

/** A set's identity: its bit pattern as a number while that is exact, else a string. */
function coalitionKey(set: Uint8Array, complemented: boolean): number | string {
  if (set.length > 52) return (complemented ? complement(set) : set).join('');
  let key = 0;
  let bit = 1;
  for (let i = 0; i < set.length; i++) {
    if ((set[i] === 1) !== complemented) key += bit;
    bit *= 2;
  }
  return key;
}

function complement(set: Uint8Array): Uint8Array {
  const c = new Uint8Array(set.length);
  for (let i = 0; i < set.length; i++) c[i] = set[i] ? 0 : 1;
  return c;
}

function randomSubset(M: number, s: number, rng: Rng): Uint8Array {
  const idx = new Int32Array(M);
  for (let i = 0; i < M; i++) idx[i] = i;
  const set = new Uint8Array(M);
  for (let i = 0; i < s; i++) {
    const j = i + randomInt(rng, M - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    set[idx[i]] = 1;
  }
  return set;
}

function forEachCombination(M: number, s: number, visit: (set: Uint8Array) => void): void {
  const idx = Array.from({ length: s }, (_, i) => i);
  for (;;) {
    const set = new Uint8Array(M);
    for (const i of idx) set[i] = 1;
    visit(set);
    let j = s - 1;
    while (j >= 0 && idx[j] === M - s + j) j--;
    if (j < 0) return;
    idx[j]++;
    for (let t = j + 1; t < s; t++) idx[t] = idx[t - 1] + 1;
  }
}
