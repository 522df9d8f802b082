/**
 * A bettor without skill must never look profitable: backing every outcome, or one outcome at
 * random, returns about minus the book's margin per unit staked, and its closing-line value (the
 * same book's de-vigged close) is about minus the margin too. On a hand-made market (always runs)
 * and on the real soccer test window 2019-07..2024-06 (when ../shared/data and Postgres are there).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { loadMarketBaseline } from '../../features/index.ts';
import { runImport } from '../../history/index.ts';
import { backtest, backtestGames, type BacktestGame, type ScoredGame } from '../../training/index.ts';
import { createTestPgDb, data, hasSharedData, postgresReachable, type TestDb } from '../support/services.ts';
import { lcg } from '../serving/support.ts';

/** Fair 1X2 probabilities of a plausible soccer match (away ≥ 0.1). */
function fairMatch(random: () => number): number[] {
  const home = 0.25 + 0.4 * random();
  const draw = 0.22 + 0.03 * random();
  return [home, draw, 1 - home - draw];
}

function draw(random: () => number, p: readonly number[]): number {
  const u = random();
  let acc = 0;
  for (let c = 0; c < p.length; c++) if ((acc += p[c]!) > u) return c;
  return p.length - 1;
}

/** Mean random-bettor figures over several seeds (one seed's yield carries the outcomes' noise). */
function randomBettor(games: BacktestGame[], seeds = 20): { yield: number; clv: number } {
  let y = 0;
  let clv = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = backtest(games, { seed }).controls.random;
    y += r.yield! / seeds;
    clv += r.clv.meanDevigEdge! / seeds;
  }
  return { yield: y, clv };
}

const NO_BETS = [0, 0, 0];
// Before any suite runs: the fixture suite's CPU work would otherwise stall the connection check.
const reachable = await postgresReachable();

describe('zero-skill bettors on a hand-made market', () => {
  const random = lcg(2024);
  const margin = 0.05;
  const fixture: Array<{ fair: number[]; outcome: number }> = Array.from({ length: 12_000 }, () => {
    const fair = fairMatch(random);
    return { fair, outcome: draw(random, fair) };
  });
  /** One book quoting the fair probabilities with a 5 % proportional margin; its close drifts a little. */
  const book = (fair: readonly number[]) => fair.map((p) => 1 / (p * (1 + margin)));
  const games: BacktestGame[] = fixture.map(({ fair, outcome }, i) => {
    const drift = fair.map((p, c) => p * (1 + 0.04 * (random() - 0.5) * (c === 1 ? 0 : 1)));
    const closeFair = drift.map((p) => p / drift.reduce((a, b) => a + b, 0));
    const close = book(closeFair);
    return { gameId: i, kickoff: Date.UTC(2020, 0, 1) + i * 3_600_000, probabilities: NO_BETS, prices: book(fair), closing: close.map(() => close), outcome };
  });

  it('every outcome and a random outcome lose about the margin, per unit and against the close', () => {
    const expected = 1 / (1 + margin) - 1; // −4.76 %: the book keeps 5 % of the implied total
    // Standard errors of the two bettors' yields from the fixture's own probabilities: the outcomes
    // are random, so "near" means within 4 standard errors (a single random bettor's, conservatively).
    let everyVar = 0;
    let randomVar = 0;
    for (const { fair } of fixture) {
      const o = book(fair);
      const m1 = fair.reduce((s, p, c) => s + p * o[c]!, 0) / 3;
      const m2 = fair.reduce((s, p, c) => s + p * o[c]! ** 2, 0) / 3;
      everyVar += (3 * m2 - (3 * m1) ** 2) / 9;
      randomVar += m2 - m1 ** 2;
    }
    const everySe = Math.sqrt(everyVar) / fixture.length;
    const randomSe = Math.sqrt(randomVar) / fixture.length;
    const every = backtest(games).controls.everyOutcome;
    assert.equal(every.bets, 3 * fixture.length);
    assert.ok(Math.abs(every.meanOverround! - margin) < 1e-9);
    assert.ok(every.yield! < 0 && Math.abs(every.yield! - expected) < 4 * everySe, `every outcome yield ${every.yield}, expected ${expected} ± ${4 * everySe}`);
    assert.ok(every.clv.meanDevigEdge! < 0 && Math.abs(every.clv.meanDevigEdge! - expected) < 0.003, `every outcome CLV ${every.clv.meanDevigEdge}`);
    const rnd = randomBettor(games, 10);
    assert.ok(rnd.yield < 0 && Math.abs(rnd.yield - expected) < 4 * randomSe, `random yield ${rnd.yield}, expected ${expected} ± ${4 * randomSe}`);
    assert.ok(rnd.clv < 0 && Math.abs(rnd.clv - expected) < 0.003, `random CLV ${rnd.clv}`);
  });

  it('the same bettors at a best-of-market maximum (an arbitrage) look profitable: why pseudo-books are never a price', () => {
    // A max across many books sits above every single book: here 3 % over fair, Σ 1/o = 0.97.
    const atMaximum = games.map((g, i) => ({ ...g, prices: fixture[i]!.fair.map((p) => 1 / (p * 0.97)) }));
    const every = backtest(atMaximum).controls.everyOutcome;
    assert.ok(every.yield! > 0.02, `every outcome at the maximum ${every.yield}`);
    assert.ok(every.clv.meanDevigEdge! > 0.02);
  });
});

const skip = !hasSharedData ? 'skipped: ../shared/data is absent' : !reachable ? 'skipped: Postgres is not reachable (set DATABASE_URL)' : false;
const SEASONS = ['1920', '2021', '2122', '2223', '2324'];

describe(`zero-skill bettors on real soccer odds, big-5 2019-07..2024-06${skip ? ` [${skip}]` : ''}`, { skip }, () => {
  let t: TestDb;
  let scored: ScoredGame[];
  let baseline: Awaited<ReturnType<typeof loadMarketBaseline>>;

  before(async () => {
    t = await createTestPgDb('zero_skill');
    const dir = data('football_data_co_uk/big5_2003_2024');
    const files = readdirSync(dir).filter((f) => SEASONS.some((s) => f.endsWith(`_${s}.csv`))).map((f) => `${dir}/${f}`);
    assert.equal(files.length, 25);
    await runImport(t.db, { source: 'football-data', paths: files });
    const { rows } = await t.db.query<{ id: number; kickoff: Date; outcome: string }>(
      `SELECT g.id::float8 AS id, g.kickoff, r.outcome FROM games g JOIN results r ON r.game_id = g.id
        WHERE g.kickoff >= '2019-07-01' AND g.kickoff < '2024-07-01' ORDER BY g.kickoff, g.id`,
    );
    scored = rows.map((r) => ({ gameId: Number(r.id), kickoff: r.kickoff, probabilities: NO_BETS, outcome: ['home', 'draw', 'away'].indexOf(r.outcome) }));
    baseline = await loadMarketBaseline(t.db, scored.map((g) => g.gameId));
  });
  after(async () => {
    await t?.drop();
  });

  it('at one bookmaker\'s prices (Pinnacle, else the market average): about minus its margin, never positive', () => {
    assert.ok(scored.length > 8_900, `${scored.length} games`);
    const games = backtestGames(['home', 'draw', 'away'], scored, baseline, 'book');
    const r = backtest(games);
    const every = r.controls.everyOutcome;
    const margin = every.meanOverround!;
    assert.ok(margin > 0.02 && margin < 0.04, `Pinnacle's pre-kickoff margin ${margin}`);
    assert.equal(r.bets, 0);
    // Measured: yield −3.45 %, CLV −2.76 % at a 2.86 % margin.
    assert.ok(every.yield! < 0 && Math.abs(every.yield! + margin) < 0.015, `every outcome yield ${every.yield} vs margin ${margin}`);
    assert.ok(every.clv.meanDevigEdge! < 0 && Math.abs(every.clv.meanDevigEdge! + margin) < 0.005, `every outcome CLV ${every.clv.meanDevigEdge}`);
    const rnd = randomBettor(games);
    assert.ok(rnd.yield < 0 && Math.abs(rnd.yield + margin) < 0.02, `random yield ${rnd.yield}`);
    assert.ok(rnd.clv < 0 && Math.abs(rnd.clv + margin) < 0.005, `random CLV ${rnd.clv}`);
  });

  it('line shopping across real bookmakers (pseudo-books excluded) still never makes a zero-skill bettor profitable', () => {
    const games = backtestGames(['home', 'draw', 'away'], scored, baseline, 'best');
    const every = backtest(games).controls.everyOutcome;
    assert.ok(every.meanOverround! > 0, `best-of-books margin ${every.meanOverround}`);
    assert.ok(every.yield! < 0, `every outcome yield ${every.yield}`);
    assert.ok(every.clv.meanDevigEdge! < 0, `every outcome CLV ${every.clv.meanDevigEdge}`);
    const rnd = randomBettor(games);
    assert.ok(rnd.yield < 0 && rnd.clv < 0, `random ${JSON.stringify(rnd)}`);
  });
});
