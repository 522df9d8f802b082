/**
 * competitionMean reads a per-competition index of team ids instead of scanning every rated team.
 * These tests hold it to the scan it replaced, bit for bit: on random slot histories (clones,
 * competition moves, gaps, a non-index key), and end to end on a two-division synthetic league with
 * promotion, relegation, new and returning teams, through every rating family that seats teams.
 */
import { test, vi } from 'vitest';
import assert from 'node:assert/strict';
import { createRandomStream } from '../../core/index.ts';
import { commitTeam, competitionMean, type Slots, type TeamSlot } from '../../features/families/ratings-common.ts';
import type { FeatureRow, HistoryGame, OddsQuote, PreGame } from '../../features/types.ts';

const DAY = 86_400_000;

/** Calls of scanMean that found rated teams (so the end-to-end test knows the means were used). */
let scanHits = 0;

/** The scan competitionMean used to be: every slot, in the slots' own key order. */
function scanMean(slots: Slots, comp: number, now: number, width: number): number[] | null {
  const sum = new Array<number>(width).fill(0);
  let count = 0;
  for (const key in slots) {
    const s = slots[key]!;
    if (s.comp !== comp || now - s.last > 400 * DAY) continue;
    for (let i = 0; i < width; i++) sum[i]! += s.v[i]!;
    count++;
  }
  if (count > 0) scanHits++;
  return count === 0 ? null : sum.map((x) => x / count);
}

/** The viewTeam it was used by, unchanged except that it calls the scan. */
function scanViewTeam(
  slots: Slots,
  teamId: number,
  comp: number,
  season: number,
  kickoff: number,
  opts: { initial: readonly number[]; newTeamOffset: readonly number[]; returnAfterDays: number; regression: number; regressTo: readonly number[] | 'competition_mean' },
): number[] {
  const s: TeamSlot | undefined = slots[teamId];
  const width = opts.initial.length;
  const isNew = !s || (opts.returnAfterDays > 0 && kickoff - s.last > opts.returnAfterDays * DAY) || (s.comp !== comp && s.n > 0 && opts.returnAfterDays > 0);
  if (isNew) {
    const mean = scanMean(slots, comp, kickoff, width);
    if (!mean) return [...opts.initial];
    return mean.map((m, i) => m + opts.newTeamOffset[i]!);
  }
  if (s.season !== season && opts.regression > 0) {
    const target = opts.regressTo === 'competition_mean' ? scanMean(slots, comp, kickoff, width) ?? opts.initial : opts.regressTo;
    return s.v.map((x, i) => x + (target[i]! - x) * opts.regression);
  }
  return s.v;
}

test('competitionMean equals the full scan bit for bit over random slot histories, clones included', () => {
  for (const seed of [1, 2, 3]) {
    const r = createRandomStream(seed);
    let slots: Slots = {};
    let now = Date.UTC(2010, 7, 1);
    const ids = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? 100_000 + i : i + 1));
    let checked = 0;
    let nonNull = 0;
    for (let step = 0; step < 3000; step++) {
      now += r() < 0.02 ? 300 * DAY : Math.floor(r() * 3 * DAY);
      const team = ids[Math.floor(r() * ids.length)]!;
      const comp = 1 + Math.floor(r() * 4);
      commitTeam(slots, team, [r() * 3000 - 1500, r() * 0.1 + 1e-9, r()], comp, 2010 + Math.floor(step / 500), now, r() < 0.9);
      // Some checks before the index is ever built on a clone, some after it has been kept up.
      if (step % 400 === 199) slots = JSON.parse(JSON.stringify(slots)) as Slots;
      if (step % 3 === 0) {
        for (let c = 0; c <= 5; c++) {
          const at = now + (r() < 0.3 ? Math.floor(r() * 500 * DAY) : 0);
          const got = competitionMean(slots, c, at, 3);
          assert.deepStrictEqual(got, scanMean(slots, c, at, 3), `seed ${seed} step ${step} comp ${c}`);
          checked++;
          if (got) nonNull++;
        }
      }
    }
    assert.ok(checked > 5000 && nonNull > checked / 3, `means checked: ${checked}, non-null ${nonNull}`);
  }
});

test('competitionMean falls back to the scan order when a key is not an array index', () => {
  const slots: Slots = {};
  // Insertion order differs from numeric order for non-index keys, and float sums depend on order.
  const values = [1e16, 1, -1e16, 1, 3.5];
  const ids = [7, -2, 1.5, 3, 2 ** 32];
  for (let i = 0; i < ids.length; i++) commitTeam(slots, ids[i]!, [values[i]!], 1, 2020, Date.UTC(2020, 8, 1 + i), true);
  const now = Date.UTC(2020, 9, 1);
  assert.deepStrictEqual(competitionMean(slots, 1, now, 1), scanMean(slots, 1, now, 1));
  const fresh: Slots = {};
  commitTeam(fresh, 5, [1e16], 1, 2020, now, true);
  assert.deepStrictEqual(competitionMean(fresh, 1, now, 1), [1e16]);
  commitTeam(fresh, -3, [1], 1, 2020, now, true);
  commitTeam(fresh, 2, [-1e16], 1, 2020, now, true);
  assert.deepStrictEqual(competitionMean(fresh, 1, now, 1), scanMean(fresh, 1, now, 1));
});

// ---- end to end: a synthetic two-division league ---------------------------------------------

interface Season {
  year: number;
  divisions: number[][];
}

/**
 * Two divisions of 10, double round robin, weekly rounds August to May, for `seasons` seasons:
 * three up and three down by points, and each summer the bottom team of division 2 leaves and a
 * new team (a fresh id) joins; a team that left returns two seasons later. Goals are Poisson from
 * drifting strengths; each game carries pre-closing and closing 1X2 prices.
 */
function syntheticHistory(seasons: number): { games: HistoryGame[]; moves: number } {
  const r = createRandomStream(42);
  const strength = new Map<number, number>();
  let nextId = 1;
  const newTeam = () => {
    const id = nextId++ * 13; // sparse ids, like a shared teams table
    strength.set(id, r() - 0.5);
    return id;
  };
  const poisson = (lambda: number) => {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = r();
    while (p > limit) {
      k++;
      p *= r();
    }
    return k;
  };
  let divisions = [Array.from({ length: 10 }, newTeam), Array.from({ length: 10 }, newTeam)];
  const away: Array<{ id: number; back: number }> = [];
  const games: HistoryGame[] = [];
  let moves = 0;
  let gameId = 1;
  const history: Season[] = [];
  for (let s = 0; s < seasons; s++) {
    const year = 2012 + s;
    history.push({ year, divisions: divisions.map((d) => [...d]) });
    const points = new Map<number, number>();
    divisions.forEach((teams, d) => {
      const comp = d + 1;
      const n = teams.length;
      const rounds: Array<Array<[number, number]>> = [];
      for (let k = 0; k < n - 1; k++) {
        const round: Array<[number, number]> = [];
        for (let i = 0; i < n / 2; i++) {
          const a = teams[(k + i) % (n - 1)]!;
          const b = i === 0 ? teams[n - 1]! : teams[(k + n - 1 - i) % (n - 1)]!;
          round.push(k % 2 ? [a, b] : [b, a]);
        }
        rounds.push(round);
      }
      const all = [...rounds, ...rounds.map((round) => round.map(([h, a]) => [a, h] as [number, number]))];
      all.forEach((round, k) => {
        const kickoff = Date.UTC(year, 7, 10) + k * 7 * DAY + d * 3_600_000;
        for (const [h, a] of round) {
          for (const t of [h, a]) strength.set(t, strength.get(t)! * 0.98 + (r() - 0.5) * 0.05);
          const lh = Math.exp(0.25 + strength.get(h)! - strength.get(a)!);
          const la = Math.exp(strength.get(a)! - strength.get(h)!);
          const hs = poisson(lh);
          const as = poisson(la);
          const ph = 0.45 + (strength.get(h)! - strength.get(a)!) * 0.3;
          const quote = (kind: 'preclosing' | 'closing', noise: number): OddsQuote[] => {
            const p = Math.min(0.8, Math.max(0.1, ph + noise));
            const probs = { home: p, draw: 0.27, away: Math.max(0.05, 1 - p - 0.27) };
            return (['home', 'draw', 'away'] as const).map((sel) => ({ bookmaker: 'pinnacle', market: '1x2' as const, selection: sel, kind, capturedAt: -Infinity, price: 1.05 / probs[sel] }));
          };
          const odds = quote('preclosing', (r() - 0.5) * 0.04);
          const closing = quote('closing', (r() - 0.5) * 0.02);
          const pre = preGame(gameId++, kickoff, comp, year, h, a, odds);
          const result = { homeScore: hs, awayScore: as, outcome: hs > as ? ('home' as const) : hs < as ? ('away' as const) : ('draw' as const), stats: { home: { shotsOnTarget: hs + poisson(3) }, away: { shotsOnTarget: as + poisson(3) } } };
          const closingSets = setsOf(closing);
          games.push({ pre, status: 'final', result, closingSets, played: { ...pre, result, closingSets } });
          points.set(h, (points.get(h) ?? 0) + (hs > as ? 3 : hs === as ? 1 : 0));
          points.set(a, (points.get(a) ?? 0) + (as > hs ? 3 : hs === as ? 1 : 0));
        }
      });
    });
    const ranked = divisions.map((d) => [...d].sort((x, y) => points.get(y)! - points.get(x)! || x - y));
    const up = ranked[1]!.slice(0, 3);
    const down = ranked[0]!.slice(-3);
    const leaving = ranked[1]!.at(-1)!;
    moves += 6;
    const returning = away.filter((t) => t.back === s + 1).map((t) => t.id);
    away.push({ id: leaving, back: s + 3 });
    const joining = returning.length ? returning : [newTeam()];
    divisions = [
      [...ranked[0]!.slice(0, -3), ...up],
      [...ranked[1]!.slice(3, -1), ...down, ...joining].slice(0, 10),
    ];
    while (divisions[1]!.length < 10) divisions[1]!.push(newTeam());
  }
  games.sort((x, y) => x.pre.kickoff - y.pre.kickoff || x.pre.id - y.pre.id);
  return { games, moves };
}

function setsOf(quotes: readonly OddsQuote[]) {
  const byKind = new Map<string, OddsQuote[]>();
  for (const q of quotes) byKind.set(q.kind, [...(byKind.get(q.kind) ?? []), q]);
  const sets = [...byKind].map(([kind, qs]) => ({
    bookmaker: 'pinnacle',
    kind: kind as OddsQuote['kind'],
    capturedAt: -Infinity,
    home: qs.find((q) => q.selection === 'home')!.price,
    draw: qs.find((q) => q.selection === 'draw')!.price,
    away: qs.find((q) => q.selection === 'away')!.price,
  }));
  return { '1x2': sets, moneyline: [] };
}

function preGame(id: number, kickoff: number, comp: number, year: number, homeId: number, awayId: number, odds: OddsQuote[]): PreGame {
  return {
    id,
    kickoff,
    gameDate: new Date(kickoff).toISOString().slice(0, 10),
    competitionId: comp,
    competition: `D${comp}`,
    seasonId: comp * 1000 + year,
    seasonYear: year,
    homeId,
    awayId,
    neutral: false,
    gameType: null,
    context: {},
    homeStarter: null,
    awayStarter: null,
    sets: setsOf(odds),
  };
}

/** Every family that seats teams through viewTeam, with the competition mean in play. */
const SEATING_SET = {
  name: 'fx-seating',
  sport: 'soccer' as const,
  target: '1x2' as const,
  usesMarket: false,
  features: [
    { family: 'elo' as const, params: { k: 12, hfa: 70, hfaRate: 0.05, mov: 'goal_diff', newTeamOffset: -60, returnAfterDays: 200, regression: 0.3, regressTo: 'competition_mean' } },
    { family: 'attack_defence' as const, params: { prefix: 'gl', stat: 'goals', rate: 0.03, regression: 0.2 } },
    { family: 'attack_defence' as const, params: { prefix: 'sot', stat: 'shots_on_target', rate: 0.03, regression: 0.1, returnAfterDays: 100 } },
    { family: 'margin_rating' as const, params: { prefix: 'mg', rate: 0.05, regression: 0.25, newTeamOffset: -0.5, returnAfterDays: 200 } },
    { family: 'market_rating' as const, params: { prefix: 'mr', market: '1x2', sources: ['pinnacle:closing'], rate: 0.2, regression: 0.2 } },
    { family: 'market_rating' as const, params: { prefix: 'mrk', market: '1x2', sources: ['pinnacle:closing'], rate: 0.25, processNoise: 0.04, maxVariance: 8 } },
    { family: 'market_goals' as const, params: { prefix: 'mxg', rate: 0.08, regression: 0.2 } },
  ],
};

async function rowsWith(games: readonly HistoryGame[], scan: boolean): Promise<FeatureRow[]> {
  vi.resetModules();
  if (scan) {
    vi.doMock('../../features/families/ratings-common.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), viewTeam: scanViewTeam }));
  } else {
    vi.doUnmock('../../features/families/ratings-common.ts');
  }
  const features = await import('../../features/index.ts');
  const c = features.compileSet(features.defineFeatureSet(SEATING_SET));
  const rows: FeatureRow[] = [];
  // In three windows over one state, through a JSON snapshot between them, as builds resume.
  let state = features.initialState(c);
  const cut = [0, Math.floor(games.length / 3), Math.floor((2 * games.length) / 3), games.length];
  for (let w = 0; w < 3; w++) {
    features.runEngine(c, state, games.slice(cut[w]!, cut[w + 1]!), { onRow: (row) => rows.push(row) });
    state = JSON.parse(JSON.stringify(state)) as typeof state;
  }
  return rows;
}

test('feature rows of a two-division league with promotion and new teams are identical to the full scan\'s', async () => {
  const { games, moves } = syntheticHistory(8);
  assert.ok(games.length === 8 * 2 * 90 && moves >= 40, `${games.length} games, ${moves} moves`);
  const indexed = await rowsWith(games, false);
  scanHits = 0;
  const scanned = await rowsWith(games, true);
  // New, promoted and returning teams and season regressions were seated from competition means.
  assert.ok(scanHits > 1000, `competition means used: ${scanHits}`);
  vi.doUnmock('../../features/families/ratings-common.ts');
  assert.equal(indexed.length, games.length);
  const width = indexed[0]!.values.length;
  assert.ok(width >= 10 && indexed.every((r) => r.values.length === width));
  assert.deepStrictEqual(indexed, scanned);
});
