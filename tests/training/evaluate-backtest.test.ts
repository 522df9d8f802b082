import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backtest, maxDrawdown, type BacktestGame } from '../../training/evaluate/index.ts';
import { devig, kellyStakes, simultaneousKelly } from '../../core/odds.ts';

const close = (actual: number | null, expected: number, tolerance = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

/** Every class priced by one bookmaker: its closing set stands for each class. */
function sameBook(close: number[]): number[][] {
  return close.map(() => close);
}

// Three bettable games (given out of kickoff order) and one without pre-closing prices.
const GAMES: BacktestGame[] = [
  // C, third: home 0.6 × 2.5 = 1.5 (edge 0.5, Kelly capped at 5 %); away wins -> lose.
  { gameId: 'C', kickoff: '2024-01-03T15:00:00Z', probabilities: [0.6, 0.25, 0.15], prices: [2.5, 3.5, 6.0], outcome: 2 },
  // A, first: home 0.5 × 2.2 = 1.1 (edge 0.1); home wins. Closing 2.0 / 3.2 / 4.2.
  { gameId: 'A', kickoff: '2024-01-01T15:00:00Z', probabilities: [0.5, 0.3, 0.2], prices: [2.2, 3.0, 4.0], closing: sameBook([2.0, 3.2, 4.2]), outcome: 0 },
  // B, second: draw 0.3 × 3.4 = 1.02 (edge 0.02); home wins -> lose.
  { gameId: 'B', kickoff: '2024-01-02T15:00:00Z', probabilities: [0.2, 0.3, 0.5], prices: [4.5, 3.4, 1.9], outcome: 0 },
  { gameId: 'D', kickoff: '2024-01-02T18:00:00Z', probabilities: [0.9, 0.05, 0.05], prices: null, outcome: 0 },
];

describe('backtest helpers', () => {
  it('max drawdown of a known curve', () => {
    const dd = maxDrawdown([100, 110, 90, 95, 120, 60, 80]);
    assert.equal(dd.absolute, 60); // 120 -> 60
    assert.equal(dd.relative, 0.5);
    assert.deepEqual(maxDrawdown([1, 2, 3]), { absolute: 0, relative: 0 });
  });

});

describe('backtest', () => {
  it('bets where p × price > 1 + minEdge, flat and fractional Kelly, in kickoff order', () => {
    const r = backtest(GAMES, { includeBets: true });
    assert.equal(r.games, 3);
    assert.equal(r.skippedGames, 1);
    assert.equal(r.bets, 3);
    assert.deepEqual(r.betLog!.map((b) => [b.gameId, b.selection, b.won]), [['A', 0, true], ['B', 1, false], ['C', 0, false]]);

    // Flat: +1.2, −1, −1. Yield is profit per unit staked; ROI profit over the starting bankroll.
    close(r.flat.turnover, 3);
    close(r.flat.profit, -0.8);
    close(r.flat.yield, -0.8 / 3);
    close(r.flat.roi, -0.8 / 100);
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
    close(r.kelly.turnover, a + b + c);
    close(r.kelly.profit, 2.5 - b - c);
    close(r.kelly.finalBankroll, 100 + 2.5 - b - c);
    close(r.kelly.yield, (2.5 - b - c) / (a + b + c));
    close(r.kelly.roi, (2.5 - b - c) / 100);
    close(r.kelly.maxDrawdown, b + c);
    close(r.kelly.maxDrawdownPct, (b + c) / 102.5);

    // CLV over the one bet with a close, against the same book: the raw price ratio 2.2/2.0 − 1,
    // and the de-vigged close 0.5/Σ · 2.2 − 1 (Shin and power beside it).
    assert.equal(r.clv.bets, 1);
    close(r.clv.meanPriceRatio, 0.1);
    const sum = 1 / 2 + 1 / 3.2 + 1 / 4.2;
    close(r.clv.meanDevigEdge, (0.5 / sum) * 2.2 - 1);
    assert.equal(r.clv.devig, 'proportional');
    close(r.clv.byDevig.shin, devig([2.0, 3.2, 4.2], 'shin')[0]! * 2.2 - 1);
    close(r.clv.byDevig.power, devig([2.0, 3.2, 4.2], 'power')[0]! * 2.2 - 1);
    assert.notEqual(r.clv.meanPriceRatio, r.clv.meanDevigEdge);
    const s = backtest(GAMES, { devig: 'shin' });
    close(s.clv.meanDevigEdge, s.clv.byDevig.shin!);
  });

  it('several value bets of one game are one Kelly decision', () => {
    // Home 0.5 × 2.2 and draw 0.33 × 3.3 both qualify: simultaneous Kelly, not two single stakes.
    const game: BacktestGame = { gameId: 'S', kickoff: '2024-02-01T15:00:00Z', probabilities: [0.5, 0.33, 0.17], prices: [2.2, 3.3, 4.5], outcome: 1 };
    const r = backtest([game], { kellyFraction: 0.25, maxStakeFraction: 1, includeBets: true });
    const joint = kellyStakes([0.5, 0.33, 0.17], [2.2, 3.3, 4.5], { fraction: 0.25 });
    assert.deepEqual(r.betLog!.map((b) => b.selection), [0, 1]);
    close(r.betLog![0]!.kellyStake, 100 * joint[0]!);
    close(r.betLog![1]!.kellyStake, 100 * joint[1]!);
    close(joint[0]!, 0.25 * simultaneousKelly([0.5, 0.33, 0.17], [2.2, 3.3, 4.5])[0]!);
    // Independent stakes would be ¼ · 1/12 and ¼ · (1.089 − 1)/2.3.
    assert.ok(Math.abs(r.betLog![0]!.kellyStake - 100 * 0.25 / 12) > 1);
    // The 5 % cap holds for the game's stakes together, in the same proportions.
    const capped = backtest([game], { includeBets: true });
    close(capped.betLog![0]!.kellyStake + capped.betLog![1]!.kellyStake, 5);
    close(capped.betLog![0]!.kellyStake / capped.betLog![1]!.kellyStake, joint[0]! / joint[1]!);
  });

  it('commission is taken from net winnings and thins the bets; a stake limit caps each stake', () => {
    // A at 2.2 with 5 % commission: net 1 + 1.2 · 0.95 = 2.14; edge 0.5 · 2.14 − 1 = 0.07.
    const r = backtest(GAMES, { commission: 0.05, includeBets: true });
    const a = r.betLog!.find((b) => b.gameId === 'A')!;
    close(a.edge, 0.07);
    close(a.flatProfit, 1.2 * 0.95);
    // B's thin draw (0.3 × 3.4 = 1.02) is below 1 after commission: no bet.
    assert.deepEqual(r.betLog!.map((b) => b.gameId), ['A', 'C']);
    const limited = backtest(GAMES, { maxStake: 0.5, includeBets: true });
    for (const b of limited.betLog!) assert.ok(b.kellyStake <= 0.5 && b.flatStake === 0.5);
    close(limited.flat.turnover, 1.5);
  });

  it('zero-skill controls at the same prices: every outcome and one at random', () => {
    const r = backtest(GAMES);
    const every = r.controls.everyOutcome;
    assert.equal(every.bets, 9);
    // A home wins at 2.2, B home at 4.5, C away at 6.0: returns 12.7 on 9 staked.
    close(every.profit, 12.7 - 9);
    close(every.yield, 3.7 / 9);
    close(every.roi, 3.7 / 100);
    close(every.maxDrawdown, 0.8); // A first: 2.2 back on 3 staked
    assert.equal(every.clv.bets, 3);
    const margins = [[2.5, 3.5, 6.0], [2.2, 3.0, 4.0], [4.5, 3.4, 1.9]].map((o) => o.reduce((s, x) => s + 1 / x, 0) - 1);
    close(every.meanOverround, margins.reduce((a, b) => a + b, 0) / 3);
    assert.equal(r.controls.random.bets, 3);
    assert.deepEqual(backtest(GAMES, { seed: 9 }).controls, backtest(GAMES, { seed: 9 }).controls);
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
    assert.throws(() => backtest(GAMES, { commission: 1 }), (e: unknown) => (e as { code?: string }).code === 'VALIDATION_FAILED');
    assert.throws(() => backtest(GAMES, { maxStake: 0 }), (e: unknown) => (e as { code?: string }).code === 'VALIDATION_FAILED');
    const none = backtest([]);
    assert.equal(none.bets, 0);
    assert.equal(none.flat.yield, null);
    assert.equal(none.flat.roi, 0);
  });
});
