import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backtest, kellyStakeFraction, maxDrawdown, type BacktestGame } from '../../training/evaluate/index.ts';

const close = (actual: number | null, expected: number, tolerance = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

// Three bettable games (given out of kickoff order) and one without pre-closing prices.
const GAMES: BacktestGame[] = [
  // C, third: home 0.6 × 2.5 = 1.5 (edge 0.5, Kelly capped at 5 %); away wins -> lose.
  { gameId: 'C', kickoff: '2024-01-03T15:00:00Z', probabilities: [0.6, 0.25, 0.15], preclosing: [2.5, 3.5, 6.0], outcome: 2 },
  // A, first: home 0.5 × 2.2 = 1.1 (edge 0.1); home wins. Closing 2.0 / 3.2 / 4.2.
  { gameId: 'A', kickoff: '2024-01-01T15:00:00Z', probabilities: [0.5, 0.3, 0.2], preclosing: [2.2, 3.0, 4.0], closing: [2.0, 3.2, 4.2], outcome: 0 },
  // B, second: draw 0.3 × 3.4 = 1.02 (edge 0.02); home wins -> lose.
  { gameId: 'B', kickoff: '2024-01-02T15:00:00Z', probabilities: [0.2, 0.3, 0.5], preclosing: [4.5, 3.4, 1.9], outcome: 0 },
  { gameId: 'D', kickoff: '2024-01-02T18:00:00Z', probabilities: [0.9, 0.05, 0.05], preclosing: null, outcome: 0 },
];

describe('backtest helpers', () => {
  it('max drawdown of a known curve', () => {
    const dd = maxDrawdown([100, 110, 90, 95, 120, 60, 80]);
    assert.equal(dd.absolute, 60); // 120 -> 60
    assert.equal(dd.relative, 0.5);
    assert.deepEqual(maxDrawdown([1, 2, 3]), { absolute: 0, relative: 0 });
  });

  it('Kelly stake on a known edge', () => {
    // p = 0.5 at 2.2: full Kelly (1.1 − 1)/(2.2 − 1) = 1/12; a quarter of it = 1/48.
    close(kellyStakeFraction(0.5, 2.2, 1), 1 / 12);
    close(kellyStakeFraction(0.5, 2.2, 0.25), 1 / 48);
    close(kellyStakeFraction(0.6, 2.5, 0.25, 0.05), 0.05); // 0.25 · 1/3 capped
    assert.equal(kellyStakeFraction(0.4, 2.2, 0.25), 0); // no edge, no bet
  });
});

describe('backtest', () => {
  it('bets where p × price > 1 + minEdge, flat and fractional Kelly, in kickoff order', () => {
    const r = backtest(GAMES, { includeBets: true });
    assert.equal(r.games, 3);
    assert.equal(r.skippedGames, 1);
    assert.equal(r.bets, 3);
    assert.deepEqual(r.betLog!.map((b) => [b.gameId, b.selection, b.won]), [['A', 0, true], ['B', 1, false], ['C', 0, false]]);

    // Flat: +1.2, −1, −1.
    close(r.flat.staked, 3);
    close(r.flat.profit, -0.8);
    close(r.flat.roi, -0.8 / 3);
    close(r.flat.yield, -0.8 / 100);
    close(r.flat.hitRate, 1 / 3);
    close(r.flat.maxDrawdown, 2); // 101.2 -> 99.2
    close(r.flat.maxDrawdownPct, 2 / 101.2);

    // Kelly (¼, cap 5 %), bankroll 100:
    //   A: 100 · 1/48 = 2.083333, wins 2.083333 · 1.2 = 2.5        -> 102.5
    //   B: 102.5 · 0.25 · 0.02/2.4 = 0.213542, loses               -> 102.286458
    //   C: 102.286458 · 0.05 = 5.114323, loses                     -> 97.172135
    const a = 100 / 48;
    const b = 102.5 * 0.25 * (0.02 / 2.4);
    const c = (102.5 - b) * 0.05;
    close(r.kelly.staked, a + b + c);
    close(r.kelly.profit, 2.5 - b - c);
    close(r.kelly.finalBankroll, 100 + 2.5 - b - c);
    close(r.kelly.roi, (2.5 - b - c) / (a + b + c));
    close(r.kelly.maxDrawdown, b + c);
    close(r.kelly.maxDrawdownPct, (b + c) / 102.5);

    // CLV over the one bet with a close: 2.2/2.0 − 1, and de-vigged close 0.5/Σ · 2.2 − 1.
    assert.equal(r.clv.bets, 1);
    close(r.clv.meanPriceRatio, 0.1);
    const sum = 1 / 2 + 1 / 3.2 + 1 / 4.2;
    close(r.clv.meanDevigEdge, (0.5 / sum) * 2.2 - 1);
  });

  it('a minimum edge filters thin bets', () => {
    const r = backtest(GAMES, { minEdge: 0.05, includeBets: true });
    assert.deepEqual(r.betLog!.map((b) => b.gameId), ['A', 'C']);
    close(r.flat.profit, 0.2);
  });

  it('games kicking off together are staked from the same bankroll', () => {
    const a = GAMES[1]!;
    const r = backtest([a, { ...a, gameId: 'A2' }], { includeBets: true });
    close(r.betLog![0]!.kellyStake, 100 / 48);
    close(r.betLog![1]!.kellyStake, 100 / 48);
    close(r.kelly.finalBankroll, 105);
  });

  it('refuses bad options and outcomes', () => {
    assert.throws(() => backtest(GAMES, { kellyFraction: 0 }), (e: unknown) => (e as { code?: string }).code === 'VALIDATION_FAILED');
    assert.throws(() => backtest([{ ...GAMES[1]!, outcome: 3 }]), (e: unknown) => (e as { code?: string }).code === 'VALIDATION_FAILED');
    const none = backtest([]);
    assert.equal(none.bets, 0);
    assert.equal(none.flat.roi, null);
  });
});
