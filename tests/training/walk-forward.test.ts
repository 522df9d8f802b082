import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runImport } from '../../history/index.ts';
import { AppError } from '../../core/errors.ts';
import { parseTrainingSpec, validationFractionFor, walkForwardPredict, walkForwardWindows } from '../../training/index.ts';
import { createTestPgDb, postgresReachable, type TestDb } from '../support/services.ts';
import { seededRandom } from '../support/fixtures.ts';

describe('walkForwardWindows', () => {
  test('the soccer test window: one window a season, each training to the day before it', () => {
    const w = walkForwardWindows('2019-07-01', '2024-06-30');
    assert.deepEqual(w.map((x) => x.label), ['2019', '2020', '2021', '2022', '2023']);
    assert.deepEqual(w[0], { label: '2019', trainTo: '2019-06-30', testFrom: '2019-07-01', testTo: '2020-06-30' });
    assert.deepEqual(w[4], { label: '2023', trainTo: '2023-06-30', testFrom: '2023-07-01', testTo: '2024-06-30' });
    // Consecutive, no gap and no overlap.
    for (let i = 1; i < w.length; i++) assert.equal(w[i]!.trainTo, w[i - 1]!.testTo);
  });

  test('the NFL test window: ten seasons, the last cut at the test window end', () => {
    const w = walkForwardWindows('2016-09-01', '2026-02-28');
    assert.equal(w.length, 10);
    assert.deepEqual(w[9], { label: '2025', trainTo: '2025-08-31', testFrom: '2025-09-01', testTo: '2026-02-28' });
    assert.equal(w[3]!.testTo, '2020-08-31');
  });

  test('a window shorter than a year is one window; a reversed one is refused', () => {
    assert.deepEqual(walkForwardWindows('2020-02-29', '2020-05-01'), [{ label: '2020', trainTo: '2020-02-28', testFrom: '2020-02-29', testTo: '2020-05-01' }]);
    assert.throws(() => walkForwardWindows('2020-01-02', '2020-01-01'), (e: unknown) => e instanceof AppError && e.code === 'TRAINING_SPEC_INVALID');
    assert.throws(() => walkForwardWindows('2020-1-2', '2021-01-01'), /not an ISO date/);
  });
});

describe('validationFractionFor', () => {
  test('gives the trainer exactly floor(share × all rows) validation rows (soccer-base at the fixed origin: 4,271 of 12,782)', () => {
    for (const [all, window] of [[28_479, 12_782], [30_000, 14_286], [40_123, 19_985], [1_000, 500]] as const) {
      const f = validationFractionFor(all, window, 0.15);
      assert.equal(Math.floor(window * f), Math.floor(all * 0.15), `${all}/${window}`);
    }
    assert.equal(Math.floor(12_782 * validationFractionFor(28_479, 12_782, 0.15)), 4_271);
  });

  test('refuses a slice that leaves no training rows, or a window larger than all history', () => {
    assert.throws(() => validationFractionFor(1_000, 100, 0.15), /leaves no training rows/);
    assert.throws(() => validationFractionFor(100, 200, 0.15), /window of 200 rows inside 100/);
  });
});

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const TEAMS = ['KC', 'BUF', 'NE', 'MIA', 'NYJ', 'DEN', 'LV', 'LAC'];

/** Four NFL seasons as nflverse writes them, home sides winning more often than not. */
function nflverseRows(): string {
  const r = seededRandom(7);
  const lines = ['game_id,season,game_type,week,gameday,gametime,away_team,away_score,home_team,home_score,location,away_moneyline,home_moneyline,away_qb_id,home_qb_id,away_qb_name,home_qb_name'];
  for (const season of [2017, 2018, 2019, 2020]) {
    for (let week = 1; week <= 14; week++) {
      const day = new Date(Date.UTC(season, 8, 10 + 7 * (week - 1))).toISOString().slice(0, 10);
      for (let m = 0; m < 4; m++) {
        const home = TEAMS[(week + m * 2) % 8]!;
        const away = TEAMS[(week + m * 2 + 1 + (week % 3) * 2) % 8]!;
        const hs = Math.floor(r() * 35) + 3;
        const as = Math.floor(r() * 31);
        const [mlh, mla] = r() < 0.6 ? [-150, 130] : [120, -140];
        // Now and then a backup starts.
        const qb = (team: string) => (r() < 0.2 ? `${team}-2` : team);
        const [qa, qh] = [qb(away), qb(home)];
        lines.push([`${season}_${week}_${away}_${home}`, season, 'REG', week, day, '13:00', away, as, home, hs === as ? hs + 1 : hs, 'Home', mla, mlh, `qb-${qa}`, `qb-${qh}`, `QB ${qa}`, `QB ${qh}`].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

let t: TestDb;
let dir: string;

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestPgDb('train_walk');
  dir = await mkdtemp(join(tmpdir(), 'sharpline-walk-'));
  await writeFile(join(dir, 'games.csv'), nflverseRows());
  const s = await runImport(t.db, { source: 'nflverse', paths: [join(dir, 'games.csv')] });
  assert.equal(s.rejected, 0);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (reachable) await t.drop();
});

const SPEC = parseTrainingSpec({ model: 'walk', featureSet: 'nfl-base', algo: 'logistic', trainTo: '2018-02-28', testFrom: '2018-09-01', testTo: '2021-02-28', params: { epochs: 5 } });

describe('walkForwardPredict', () => {
  test('each season is predicted by a model trained on every game before it; the first equals the fixed origin', { skip: Boolean(skip) }, async () => {
    const wf = await walkForwardPredict(t.db, SPEC);
    assert.deepEqual(wf.windows.map((w) => w.label), ['2018', '2019', '2020']);
    // Training grows by the previous season's games (56 a season); the validation slice is the trainer's 15 %.
    assert.deepEqual(wf.windows.map((w) => w.trainGames), [56, 112, 168]);
    assert.deepEqual(wf.windows.map((w) => w.nValidationRows), [8, 16, 25]);
    assert.equal(wf.testSet.nRows, 168);
    assert.deepEqual(wf.windows.map((w) => w.testGames), [56, 56, 56]);
    for (let i = 0; i < wf.testSet.nRows; i++) {
      const p = wf.probabilities.subarray(i * 2, i * 2 + 2);
      assert.ok(p.every(Number.isFinite) && Math.abs(p[0]! + p[1]! - 1) < 1e-9, `row ${i}`);
    }
    const fixed = await walkForwardPredict(t.db, SPEC, { windows: [{ label: 'fixed', trainTo: SPEC.trainTo, testFrom: SPEC.testFrom, testTo: SPEC.testTo }] });
    assert.deepEqual(fixed.windows.map((w) => w.trainGames), [56]);
    assert.deepEqual(fixed.testSet.gameIds, wf.testSet.gameIds);
    // The 2018 season's model is the fixed one (same training rows, same seed): identical predictions.
    assert.deepEqual(Array.from(wf.probabilities.subarray(0, 112)), Array.from(fixed.probabilities.subarray(0, 112)));
    // Later seasons come from refitted models.
    assert.notDeepEqual(Array.from(wf.probabilities.subarray(112)), Array.from(fixed.probabilities.subarray(112)));
  });

  test('paramsFor sets a window\'s trainer parameters', { skip: Boolean(skip) }, async () => {
    const wf = await walkForwardPredict(t.db, SPEC, { paramsFor: (_w, train) => ({ validationFraction: validationFractionFor(train.nRows, train.nRows, 0.25) }) });
    assert.deepEqual(wf.windows.map((w) => w.nValidationRows), [14, 28, 42]);
  });

  test('refuses a window whose training rows reach into it, and test games no window predicts', { skip: Boolean(skip) }, async () => {
    await assert.rejects(
      walkForwardPredict(t.db, SPEC, { windows: [{ label: 'leak', trainTo: '2019-12-31', testFrom: '2018-09-01', testTo: '2021-02-28' }] }),
      /a training row kicks off on or after 2018-09-01/,
    );
    await assert.rejects(
      walkForwardPredict(t.db, SPEC, { windows: [{ label: 'part', trainTo: '2019-08-31', testFrom: '2019-09-01', testTo: '2021-02-28' }] }),
      /56 test games in no window/,
    );
  });
});
