import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy,
  brier,
  calibration,
  compareOnSameGames,
  logLoss,
  rankedProbabilityScore,
  reliability,
  score,
  scoreBySeason,
} from '../../training/evaluate/index.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

const code = (fn: () => unknown, expected: string) =>
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === expected);

// Two 3-way rows (home, draw, away): a home win and an away win.
const P = [
  [0.5, 0.3, 0.2],
  [0.1, 0.6, 0.3],
];
const Y = [0, 2];

/** Deterministic uniform numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('probability scores', () => {
  it('log loss is the mean of −ln p(observed), clipped at 1e-15', () => {
    close(logLoss(P, Y), (-Math.log(0.5) - Math.log(0.3)) / 2); // 0.948560
    close(logLoss([[0, 1, 0]], [0]), -Math.log(1e-15)); // 34.5388, not Infinity
    close(logLoss([[1, 0, 0]], [0]), 0);
  });

  it('Brier sums over classes (0..2 for 3-way)', () => {
    // row 1: 0.25 + 0.09 + 0.04 = 0.38; row 2: 0.01 + 0.36 + 0.49 = 0.86
    close(brier(P, Y), (0.38 + 0.86) / 2);
    close(brier([[0, 0, 1]], [0]), 2);
    close(brier([[1, 0, 0]], [0]), 0);
  });

  it('accuracy takes the most probable class', () => {
    assert.equal(accuracy(P, Y), 0.5);
  });

  it('RPS uses cumulative distributions over ordered classes', () => {
    // row 1: ((0.5−1)² + (0.8−1)²)/2 = 0.145; row 2: (0.1² + 0.7²)/2 = 0.25
    close(rankedProbabilityScore(P, Y), (0.145 + 0.25) / 2);
    // A draw forecast is less wrong than an away forecast when home wins.
    assert.ok(rankedProbabilityScore([[0, 1, 0]], [0]) < rankedProbabilityScore([[0, 0, 1]], [0]));
    // Two-way: RPS is half the Brier score.
    const two = [[0.7, 0.3], [0.4, 0.6]];
    close(rankedProbabilityScore(two, [1, 1]), brier(two, [1, 1]) / 2);
  });

  it('accepts a flat Float64Array (rows × K) with the same results', () => {
    const flat = Float64Array.from(P.flat());
    close(logLoss(flat, Y), logLoss(P, Y));
    close(brier(flat, Y), brier(P, Y));
    assert.deepEqual(score(flat, Y), score(P, Y));
    code(() => logLoss(new Float64Array(5), Y), 'VALIDATION_FAILED');
    code(() => logLoss(P, [0, 3]), 'VALIDATION_FAILED');
    code(() => logLoss([[0.5, 0.5], [0.2, 0.3, 0.5]], Y), 'VALIDATION_FAILED');
  });
});

describe('calibration', () => {
  it('ECE of an exactly calibrated set is 0', () => {
    // In every bin, 20 forecasts of the bin's mid-point p, of which exactly 20p happen.
    const predicted: number[] = [];
    const happened: number[] = [];
    for (const p of [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]) {
      for (let i = 0; i < 20; i++) {
        predicted.push(p);
        happened.push(i < Math.round(p * 20) ? 1 : 0);
      }
    }
    const r = reliability(predicted, happened);
    close(r.ece, 0, 1e-12);
    assert.equal(r.bins.length, 10);
    assert.ok(r.bins.every((b) => b.count === 20));
  });

  it('ECE of a synthetic calibrated two-way set is ≈ 0; of an overconfident one it is not', () => {
    const next = rng(7);
    const probs: number[][] = [];
    const outcomes: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const p = next();
      probs.push([p, 1 - p]);
      outcomes.push(next() < p ? 0 : 1);
    }
    const calibrated = calibration(probs, outcomes); // two-way default: home-win probability, one-vs-rest
    assert.equal(calibrated.mode, 'class');
    assert.equal(calibrated.classIndex, 0);
    assert.ok(calibrated.ece < 0.01, `ece ${calibrated.ece}`);
    for (const bin of calibrated.bins) close(bin.observedFrequency!, bin.meanPredicted!, 0.02);
    const sharpened = probs.map(([p]) => {
      const q = p! > 0.5 ? Math.min(1, p! + 0.1) : Math.max(0, p! - 0.1);
      return [q, 1 - q];
    });
    assert.ok(calibration(sharpened, outcomes).ece > 0.07);
  });

  it('hand-computed ECE and reliability bins', () => {
    // 10 forecasts of 0.8 of which 5 happen: one bin, |0.8 − 0.5| = 0.3.
    const r = reliability(new Array(10).fill(0.8), [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    close(r.ece, 0.3);
    const bin = r.bins[8]!;
    assert.deepEqual([bin.lower, bin.upper, bin.count, bin.observedFrequency], [0.8, 0.9, 10, 0.5]);
    close(bin.meanPredicted!, 0.8);
    assert.equal(r.bins[0]!.meanPredicted, null);
    // p = 1 lands in the last bin.
    assert.equal(reliability([1], [1]).bins[9]!.count, 1);
  });

  it('top-label ECE for 3-way by default; class-wise on request', () => {
    // Top-label: 0.5 (home, happened) and 0.6 (draw, did not): bins 5 and 6, each |p − y|/2.
    const top = calibration(P, Y);
    assert.equal(top.mode, 'top');
    close(top.ece, (0.5 * 0.5 + 0.5 * 0.6));
    const classwise = calibration(P, Y, { mode: 'classwise' });
    assert.equal(classwise.perClass!.length, 3);
    close(classwise.ece, classwise.perClass!.reduce((a, b) => a + b, 0) / 3);
    const away = calibration(P, Y, { mode: 'class', classIndex: 2 });
    // 0.2 (no) and 0.3 (yes): (0.2 + 0.7)/2
    close(away.ece, (0.2 + 0.7) / 2);
  });
});

describe('per season and on the same games', () => {
  it('scores each season separately', () => {
    const probs = [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]];
    const outcomes = [0, 2, 1];
    const r = scoreBySeason(probs, outcomes, ['2020/21', '2019/20', '2020/21']);
    assert.deepEqual(Object.keys(r.seasons), ['2019/20', '2020/21']);
    assert.equal(r.seasons['2020/21']!.n, 2);
    close(r.seasons['2020/21']!.logLoss, (-Math.log(0.5) - Math.log(0.3)) / 2);
    close(r.seasons['2019/20']!.logLoss, -Math.log(0.3));
    close(r.all.logLoss, (-Math.log(0.5) - Math.log(0.3) - Math.log(0.3)) / 3);
  });

  it('compareOnSameGames keeps only rows every predictor has, and says how many', () => {
    const outcomes = [0, 2, 1, 0, null];
    const model = [[0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.3, 0.4, 0.3], [0.6, 0.2, 0.2], [0.4, 0.3, 0.3]];
    const closing = [[0.45, 0.3, 0.25], [0.25, 0.3, 0.45], null, [0.5, 0.3, 0.2], [0.4, 0.3, 0.3]];
    const reference = [[0.4, 0.3, 0.3], [0.3, 0.3, 0.4], [0.3, 0.3, 0.4], [NaN, NaN, NaN], null];
    const c = compareOnSameGames(outcomes, { model, closing, reference }, { seasons: ['a', 'a', 'b', 'b', 'b'] });
    assert.equal(c.total, 5);
    assert.equal(c.n, 2);
    assert.deepEqual(c.rows, [0, 1]);
    assert.deepEqual(c.missing, { model: 0, closing: 1, reference: 1 });
    assert.equal(c.unknownOutcome, 1);
    close(c.predictors.model!.logLoss, (-Math.log(0.5) - Math.log(0.5)) / 2);
    close(c.predictors.closing!.logLoss, (-Math.log(0.45) - Math.log(0.45)) / 2);
    close(c.predictors.reference!.logLoss, (-Math.log(0.4) - Math.log(0.4)) / 2);
    assert.deepEqual(Object.keys(c.seasons!), ['a']);
    assert.equal(c.seasons!.a!.n, 2);
    code(() => compareOnSameGames([0], { model: [[0.5, 0.5]], closing: [[0.3, 0.3, 0.4]] }), 'VALIDATION_FAILED');
    const none = compareOnSameGames([0], { model: [[0.5, 0.5]], closing: [null] });
    assert.deepEqual([none.n, none.predictors, none.missing], [0, {}, { model: 0, closing: 1 }]);
  });

  it('compareOnSameGames gives the model-minus-other log loss per game with a paired bootstrap interval', () => {
    // 600 games: the model puts 0.5 on the outcome where the other puts 0.4 (a sure gain per game,
    // ln 0.4 − ln 0.5), except every third game where it puts 0.3 against 0.4 (a loss).
    const n = 600;
    const outcomes = Array.from({ length: n }, (_, i) => i % 3);
    const model = outcomes.map((y, i) => { const p = i % 3 === 2 ? 0.3 : 0.5; return [0, 1, 2].map((c) => (c === y ? p : (1 - p) / 2)); });
    const other = outcomes.map((y) => [0, 1, 2].map((c) => (c === y ? 0.4 : 0.3)));
    const c = compareOnSameGames(outcomes, { model, other, same: model });
    const d = c.differences!.other!;
    const expected = (2 * (Math.log(0.4) - Math.log(0.5)) + (Math.log(0.4) - Math.log(0.3))) / 3;
    close(d.mean, expected);
    assert.equal(d.of, 'model');
    assert.equal(d.n, n);
    assert.ok(d.lo <= d.mean && d.mean <= d.hi);
    assert.ok(d.hi < 0, `the model beats the other: interval [${d.lo}, ${d.hi}] below zero`);
    // Identical forecasts: difference exactly zero, interval [0, 0] (not "beats").
    assert.deepEqual([c.differences!.same!.mean, c.differences!.same!.lo, c.differences!.same!.hi], [0, 0, 0]);
    // Gains and losses that cancel: mean zero, the interval straddles it.
    const even = outcomes.map((y, i) => [0, 1, 2].map((c2) => (c2 === y ? (i % 2 ? 0.5 : 0.4) : 0.25)));
    const odd = outcomes.map((y, i) => [0, 1, 2].map((c2) => (c2 === y ? (i % 2 ? 0.4 : 0.5) : 0.25)));
    const straddle = compareOnSameGames(outcomes, { model: even, odd }).differences!.odd!;
    close(straddle.mean, 0);
    assert.ok(straddle.lo < 0 && straddle.hi > 0, `[${straddle.lo}, ${straddle.hi}]`);
    // Seeded: the same input gives the same interval.
    assert.deepEqual(compareOnSameGames(outcomes, { model, other }).differences!.other, d);
  });
});
