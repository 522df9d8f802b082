import { test } from 'vitest';
import assert from 'node:assert/strict';
import { devigWith, createRandomStream, AppError } from '../../core/index.ts';
import { fairProbabilities } from '../../features/index.ts';
import { marketSets, marketSetsOf } from '../../features/odds.ts';
import type { OddsQuote } from '../../features/types.ts';

// The engine's de-vig skips core's arrays: it must still agree with core to the last bit.
test('fairProbabilities agrees with core devigWith (proportional) bit for bit', () => {
  const r = createRandomStream(30);
  const price = () => (r() < 0.1 ? 1 + r() * 1e-6 : 1.01 + r() * (r() < 0.5 ? 3 : 300));
  for (let i = 0; i < 20_000; i++) {
    const set = { home: price(), draw: i % 3 === 0 ? null : price(), away: price() };
    const got = fairProbabilities(set);
    const ref = devigWith(set.draw === null ? [set.home, set.away] : [set.home, set.away, set.draw]);
    assert.ok(Object.is(got.home, ref.probabilities[0]) && Object.is(got.away, ref.probabilities[1]), `home/away of ${JSON.stringify(set)}`);
    assert.ok(Object.is(got.draw, set.draw === null ? null : ref.probabilities[2]), `draw of ${JSON.stringify(set)}`);
    assert.ok(Object.is(got.overround, ref.overround), `overround of ${JSON.stringify(set)}`);
  }
  for (const bad of [{ home: 1, draw: null, away: 2 }, { home: 2, draw: Number.NaN, away: 2 }, { home: Infinity, draw: 3, away: 2 }]) {
    assert.throws(() => fairProbabilities(bad), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
  }
});

// Stored sets are grouped as read; one quote per price grouped the same way gives the same sets.
test('price sets grouped from stored rows equal those grouped from their quotes, order and merges included', () => {
  const rows = [
    { bookmaker: 'pinnacle', market: '1x2', kind: 'preclosing' as const, capturedAt: -Infinity, home: 2.1, draw: 3.4, away: 3.5 },
    { bookmaker: 'bet365', market: '1x2', kind: 'preclosing' as const, capturedAt: 5, home: 2.0, draw: undefined, away: 3.6 },
    { bookmaker: 'market_avg', market: 'moneyline', kind: 'opening' as const, capturedAt: 7, home: 1.9, draw: 9, away: 2.0 },
    // Same key as the bet365 row (another line): the two rows are one set, the later price wins.
    { bookmaker: 'bet365', market: '1x2', kind: 'preclosing' as const, capturedAt: 5, home: 2.05, draw: 3.3, away: undefined },
    { bookmaker: 'pinnacle', market: '1x2', kind: 'snapshot' as const, capturedAt: 9, home: 2.2, draw: 3.3, away: undefined },
  ];
  const quotes: OddsQuote[] = rows.flatMap((s) =>
    (['home', 'draw', 'away'] as const).flatMap((selection) => (s[selection] === undefined ? [] : [{ bookmaker: s.bookmaker, market: s.market as OddsQuote['market'], selection, kind: s.kind, capturedAt: s.capturedAt, price: s[selection]! }])),
  );
  const sets = marketSetsOf(rows);
  assert.deepEqual(sets, marketSets(quotes));
  assert.deepEqual(sets['1x2'].map((s) => [s.bookmaker, s.home, s.draw, s.away]), [['pinnacle', 2.1, 3.4, 3.5], ['bet365', 2.05, 3.3, 3.6]]);
  assert.deepEqual(sets.moneyline, [{ bookmaker: 'market_avg', kind: 'opening', capturedAt: 7, home: 1.9, draw: null, away: 2.0 }]);
});
