import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  americanToDecimal,
  decimalToAmerican,
  decimalToFractional,
  devig,
  devigWith,
  fractionalToDecimal,
  kellyStakes,
  overround,
  simultaneousKelly,
  singleKelly,
  DEVIG_METHODS,
} from '../../core/odds.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
const code = (fn: () => unknown, expected: string) =>
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === expected);

/** A decimal price as books quote them: 1.01 .. 50. */
const price = fc.double({ min: 1.01, max: 50, noNaN: true });
/** A complete market of 2 or 3 outcomes. */
const market = fc.array(price, { minLength: 2, maxLength: 3 });
/** A probability vector over 2 or 3 exclusive outcomes, summing to 1. */
const probabilities = (n: number) =>
  fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((w) => {
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / s);
  });
const bettorAndMarket = fc.integer({ min: 2, max: 3 }).chain((n) =>
  fc.tuple(probabilities(n), fc.array(price, { minLength: n, maxLength: n })),
);

/** Expected log growth of stakes f on exclusive outcomes (one wins), the rest kept. */
function growth(p: readonly number[], o: readonly number[], f: readonly number[]): number {
  const out = f.reduce((a, b) => a + b, 0);
  return p.reduce((g, pj, j) => g + pj * Math.log(1 - out + f[j]! * o[j]!), 0);
}

describe('price formats', () => {
  it('American → decimal is the correctly rounded exact price for every integer line in −2000..+2000', () => {
    let lines = 0;
    for (let m = -2000; m <= 2000; m++) {
      if (Math.abs(m) < 100) continue;
      lines++;
      // (|m| + 100)/|m| and (m + 100)/100 are exact integers over exact integers: one IEEE division
      // is the correctly rounded value. 1 + 100/|m| (an older copy) differs in the last bit for some.
      const exact = m > 0 ? (m + 100) / 100 : (100 - m) / -m;
      assert.equal(americanToDecimal(m), exact, `moneyline ${m}`);
    }
    assert.equal(lines, 3802);
    assert.equal(americanToDecimal(150), 2.5);
    assert.equal(americanToDecimal(-200), 1.5);
    assert.equal(americanToDecimal(-100), 2);
    assert.equal(americanToDecimal(-178), 278 / 178);
    code(() => americanToDecimal(50), 'VALIDATION_FAILED');
    code(() => americanToDecimal(Number.NaN), 'VALIDATION_FAILED');
  });

  it('American round-trips and is monotone over the whole range', () => {
    fc.assert(fc.property(fc.double({ min: -100_000, max: 100_000, noNaN: true }).filter((m) => Math.abs(m) >= 100 && m !== -100), (m) => {
      const d = americanToDecimal(m);
      assert.ok(d > 1);
      close(decimalToAmerican(d), m, 1e-9 * Math.abs(m));
    }));
    fc.assert(fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -100_000, max: 100_000 }), (a, b) => {
      fc.pre(Math.abs(a) >= 100 && Math.abs(b) >= 100 && a < b && !(a === -100 && b === 100));
      // A longer price is a higher line: −500 < −110 < +100 < +250.
      assert.ok(americanToDecimal(a) < americanToDecimal(b) || (a === -100 && b === 100));
    }));
    assert.equal(decimalToAmerican(2), 100);
    assert.equal(decimalToAmerican(1.5), -200);
  });

  it('fractional round-trips for every reduced fraction with a small denominator', () => {
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 100 }), (n, d) => {
      const g = gcd(n, d);
      const dec = fractionalToDecimal(n, d);
      close(dec, 1 + n / d, 1e-12);
      assert.deepEqual(decimalToFractional(dec, 100), { numerator: n / g, denominator: d / g });
    }));
    assert.deepEqual(decimalToFractional(2.5), { numerator: 3, denominator: 2 });
    assert.deepEqual(decimalToFractional(1.909), { numerator: 10, denominator: 11 });
    code(() => fractionalToDecimal(0, 1), 'VALIDATION_FAILED');
  });
});

describe('overround and de-vig', () => {
  it('every method sums to 1, keeps the price order, and proportional is 1/o normalised', () => {
    fc.assert(fc.property(market, (o) => {
      const sum = o.reduce((s, x) => s + 1 / x, 0);
      close(overround(o), sum - 1, 1e-12);
      for (const method of DEVIG_METHODS) {
        const p = devig(o, method);
        close(p.reduce((a, b) => a + b, 0), 1, 1e-9);
        for (let i = 0; i < o.length; i++) {
          assert.ok(p[i]! > 0 && p[i]! < 1, `${method} p${i} = ${p[i]}`);
          for (let j = 0; j < o.length; j++) if (o[i]! < o[j]!) assert.ok(p[i]! >= p[j]! - 1e-12, `${method}: shorter price, lower probability`);
        }
      }
      devig(o).forEach((p, i) => close(p, 1 / o[i]! / sum, 1e-12));
    }));
  });

  it('Shin and power take more margin from long shots than proportional does', () => {
    const o = [1.3, 5.5, 11];
    const prop = devig(o);
    for (const method of ['shin', 'power'] as const) {
      const p = devig(o, method);
      assert.ok(p[0]! > prop[0]! && p[2]! < prop[2]!, `${method}: favourite up, long shot down`);
    }
    const shin = devigWith(o, 'shin');
    assert.ok(shin.parameter > 0 && shin.parameter < 0.2, `Shin z ${shin.parameter}`);
    assert.ok(devigWith(o, 'power').parameter > 1);
    // No margin: nothing to remove, every method is proportional.
    for (const method of DEVIG_METHODS) devig([2, 2], method).forEach((p) => close(p, 0.5, 1e-12));
    code(() => devig([1, 2]), 'VALIDATION_FAILED');
    code(() => overround([2]), 'VALIDATION_FAILED');
  });
});

describe('Kelly', () => {
  it('single Kelly is (p·o − 1)/(o − 1) and never stakes without an edge', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), price, (p, o) => {
      const f = singleKelly(p, o);
      if (p * o <= 1) assert.equal(f, 0);
      else close(f, (p * o - 1) / (o - 1), 1e-12);
      assert.ok(f >= 0 && f <= 1);
    }));
    code(() => singleKelly(1.2, 2), 'VALIDATION_FAILED');
  });

  it('simultaneous Kelly stakes only positive-edge outcomes and equals single Kelly with one of them', () => {
    fc.assert(fc.property(bettorAndMarket, ([p, o]) => {
      const f = simultaneousKelly(p, o);
      const edges = p.map((pi, i) => pi * o[i]! - 1);
      f.forEach((fi, i) => {
        assert.ok(fi >= 0);
        if (edges[i]! <= 0) assert.equal(fi, 0, `stake on negative edge ${edges[i]}`);
      });
      assert.ok(f.reduce((a, b) => a + b, 0) <= 1 + 1e-12);
      const positive = edges.filter((e) => e > 0).length;
      if (positive === 1) {
        const i = edges.findIndex((e) => e > 0);
        close(f[i]!, singleKelly(p[i]!, o[i]!), 1e-12);
      }
      if (positive === 0) assert.deepEqual(f, p.map(() => 0));
    }));
  });

  it('simultaneous Kelly maximises log growth over positive-edge stakes (KKT, and no random stakes beat it)', () => {
    fc.assert(fc.property(bettorAndMarket, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.double({ min: 0, max: 0.999, noNaN: true }), ([p, o], w, scale) => {
      const booksum = o.reduce((s, x) => s + 1 / x, 0);
      fc.pre(booksum > 1); // arbitrage books make growth unbounded near "stake everything"
      const f = simultaneousKelly(p, o);
      const out = f.reduce((a, b) => a + b, 0);
      const allowed = p.map((pi, i) => pi * o[i]! > 1);
      // KKT of the concave problem restricted to the allowed outcomes: the gradient is 0 where a
      // stake is placed and ≤ 0 where an allowed outcome is left unstaked.
      const wealth = p.map((_, j) => 1 - out + f[j]! * o[j]!);
      for (let i = 0; i < p.length; i++) {
        if (!allowed[i]) continue;
        const grad = p.reduce((g, pj, j) => g + (pj * ((j === i ? o[i]! : 0) - 1)) / wealth[j]!, 0);
        if (f[i]! > 1e-9) close(grad, 0, 1e-7);
        else assert.ok(grad <= 1e-9, `unstaked allowed outcome ${i} has gradient ${grad}`);
      }
      // A plain reference: any other feasible stakes on the allowed outcomes grow no faster.
      const g = growth(p, o, f);
      const raw = p.map((_, i) => (allowed[i] ? w[i]! : 0));
      const rawSum = raw.reduce((a, b) => a + b, 0) || 1;
      const other = raw.map((x) => (x / rawSum) * scale);
      assert.ok(growth(p, o, other) <= g + 1e-12, `stakes ${other} beat Kelly ${f}`);
    }), { numRuns: 500 });
  });

  it('a worked three-way case: the negative-edge draw is not used as a hedge', () => {
    // Unrestricted Kelly would add the draw (e = 0.952 > R = 0.9) as a hedge; it is left at 0.
    const f = simultaneousKelly([0.55, 0.28, 0.17], [2, 3.4, 4]);
    assert.deepEqual(f, [0.1, 0, 0].map((x, i) => (i === 0 ? singleKelly(0.55, 2) : x)));
    // Two value bets of one game are one decision: R = (1 − 0.83)/(1 − 1/2.2 − 1/3.3) = 0.70125,
    // f = p − R/o. They hedge each other, so the joint stakes differ from two independent ones
    // and grow the bankroll faster.
    const p = [0.5, 0.33, 0.17];
    const o = [2.2, 3.3, 4.5];
    const joint = simultaneousKelly(p, o);
    close(joint[0]!, 0.5 - 0.70125 / 2.2, 1e-12);
    close(joint[1]!, 0.33 - 0.70125 / 3.3, 1e-12);
    assert.equal(joint[2], 0);
    const independent = [singleKelly(0.5, 2.2), singleKelly(0.33, 3.3), 0];
    assert.ok(growth(p, o, joint) > growth(p, o, independent), 'joint Kelly grows faster than independent stakes');
  });

  it('fractional stakes scale the one decision and respect the cap together', () => {
    const full = simultaneousKelly([0.5, 0.33, 0.17], [2.2, 3.3, 4.5]);
    const quarter = kellyStakes([0.5, 0.33, 0.17], [2.2, 3.3, 4.5], { fraction: 0.25 });
    quarter.forEach((q, i) => close(q, full[i]! * 0.25, 1e-15));
    const capped = kellyStakes([0.5, 0.33, 0.17], [2.2, 3.3, 4.5], { fraction: 1, cap: 0.02 });
    close(capped.reduce((a, b) => a + b, 0), 0.02, 1e-15);
    close(capped[0]! / capped[1]!, full[0]! / full[1]!, 1e-9);
    code(() => kellyStakes([0.5, 0.5], [2, 2], { fraction: 0 }), 'VALIDATION_FAILED');
  });
});

describe('one module owns odds arithmetic', () => {
  it('no other source file defines a conversion, overround, de-vig or Kelly function', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir)).flatMap((name) => {
        const full = join(dir, name);
        return statSync(join(root, full)).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
      });
    const files = ['src', 'core', 'history', 'features', 'training', 'registry', 'models', 'bench'].flatMap(walk);
    const owned = /\bfunction\s+(americanToDecimal|decimalToAmerican|fractionalToDecimal|overround|devig\w*|\w*[kK]elly\w*)\s*[(<]/g;
    const offenders: string[] = [];
    for (const file of files) {
      if (file === join('core', 'odds.ts')) continue;
      for (const [, name] of readFileSync(join(root, file), 'utf8').matchAll(owned)) offenders.push(`${file}: ${name}`);
    }
    assert.deepEqual(offenders, []);
  });
});
