import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureSetAvailability } from '../../features/index.ts';
import { runImport } from '../../history/index.ts';
import { AppError } from '../../core/errors.ts';
import { submitTraining } from '../../src/services/index.ts';
import { parseTrainingSpec, trainAndRegister } from '../../training/index.ts';
import { getArtifact, getVersion, listVersions } from '../../registry/index.ts';
import type { AppContext } from '../../src/context.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { createTestApp } from '../support/app.ts';
import { createTestPgDb, postgresReachable, type TestDb } from '../support/services.ts';
import { lcg } from '../serving/support.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const TEAMS = ['KC', 'BUF', 'NE', 'MIA', 'NYJ', 'DEN'];
const SPEC = { featureSet: 'nfl-market', algo: 'logistic', trainTo: '2020-12-31', testFrom: '2021-01-01', testTo: '2021-12-31', params: { epochs: 5 } } as const;

let t: TestDb;
let app: AppInstance;
let ctx: AppContext;
let dir: string;

/** Two NFL seasons as nflverse writes them: closing moneylines only, starting quarterbacks named. */
function nflverseRows(): string {
  const r = lcg(11);
  const lines = ['game_id,season,game_type,week,gameday,gametime,away_team,away_score,home_team,home_score,location,away_moneyline,home_moneyline,away_qb_id,home_qb_id,away_qb_name,home_qb_name'];
  for (const season of [2020, 2021]) {
    for (let week = 1; week <= 12; week++) {
      const day = new Date(Date.UTC(season, 8, 13 + 7 * (week - 1))).toISOString().slice(0, 10);
      for (let m = 0; m < 3; m++) {
        const home = TEAMS[(week + m * 2) % 6]!;
        const away = TEAMS[(week + m * 2 + 1 + (week % 2) * 2) % 6]!;
        const hs = Math.floor(r() * 35);
        const as = Math.floor(r() * 31);
        const fav = r() < 0.5;
        const [ml_h, ml_a] = fav ? [-150, 130] : [120, -140];
        // Now and then a backup starts.
        const qb = (team: string) => (r() < 0.2 ? `${team}-2` : team);
        const [qa, qh] = [qb(away), qb(home)];
        lines.push([`${season}_${week}_${away}_${home}`, season, 'REG', week, day, '13:00', away, as, home, hs === as ? hs + 1 : hs, 'Home', ml_a, ml_h, `qb-${qa}`, `qb-${qh}`, `QB ${qa}`, `QB ${qh}`].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

before(async () => {
  if (!reachable) return;
  t = await createTestPgDb('train_avail');
  dir = await mkdtemp(join(tmpdir(), 'sharpline-avail-'));
  await writeFile(join(dir, 'games.csv'), nflverseRows());
  const s = await runImport(t.db, { source: 'nflverse', paths: [join(dir, 'games.csv')] });
  assert.equal(s.rejected, 0);
  ({ app, ctx } = await createTestApp(t.db));
});

after(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (reachable) await t.drop();
});

test('nfl-market is not offered where history holds only closing lines; the reason names the columns and the missing input', { skip }, async () => {
  const market = await featureSetAvailability(t.db, 'nfl-market', { competitions: ['NFL'] });
  assert.equal(market.available, false);
  assert.equal(market.finalGames, 72);
  assert.deepEqual(market.missing.map((m) => [m.family, m.columns]), [['market', ['mkt_home', 'mkt_move', 'mkt_missing']]]);
  assert.match(market.reason!, /^nfl-market is not available for nfl in NFL: its market columns \(mkt_home, mkt_move, mkt_missing\) need pre-kickoff moneyline odds/);
  assert.match(market.reason!, /history holds only closing moneyline quotes from consensus/);
  assert.equal((await featureSetAvailability(t.db, 'nfl-base')).available, true);
  await assert.rejects(featureSetAvailability(t.db, 'nfl-base', { competitions: ['XFL'] }), (e: unknown) => e instanceof AppError && e.code === 'COMPETITION_UNKNOWN');

  const list = (await app.inject({ url: '/v1/feature-sets?competitions=NFL' })).json().featureSets as Array<{ name: string; availability: { available: boolean; reason: string | null } }>;
  const byName = Object.fromEntries(list.map((s) => [s.name, s.availability]));
  assert.equal(byName['nfl-base']!.available, true);
  assert.equal(byName['nfl-market']!.available, false);
  assert.equal(byName['nfl-market']!.reason, market.reason);
  assert.match(byName['soccer-1x2-base']!.reason!, /none of NFL is a soccer competition/);
});

test('submitting training on a set whose inputs history lacks is refused at once with FEATURE_SET_UNAVAILABLE', { skip }, async () => {
  await assert.rejects(submitTraining(ctx, { ...SPEC, model: 'nfl-mkt' }), (e: unknown) => e instanceof AppError && e.code === 'FEATURE_SET_UNAVAILABLE' && /mkt_home/.test(e.message));
  const res = await app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { ...SPEC, model: 'nfl-mkt' } });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.code, 'FEATURE_SET_UNAVAILABLE');
  assert.deepEqual(res.json().error.details.missing[0].columns, ['mkt_home', 'mkt_move', 'mkt_missing']);
});

test('training refuses all-missing and constant columns with FEATURE_COLUMNS_DEGENERATE naming them; nothing is registered', { skip }, async () => {
  const spec = parseTrainingSpec({ ...SPEC, model: 'nfl-mkt-direct' });
  await assert.rejects(trainAndRegister({ db: t.db }, 'run_degenerate', spec), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'FEATURE_COLUMNS_DEGENERATE');
    assert.match(e.message, /mkt_home \(missing in all \d+ rows\), mkt_move \(missing in all \d+ rows\), mkt_missing \(1 in every row\)/);
    assert.deepEqual((e.details as { columns: Array<{ name: string; problem: string }> }).columns.map((c) => [c.name, c.problem]), [['mkt_home', 'all-missing'], ['mkt_move', 'all-missing'], ['mkt_missing', 'constant']]);
    return true;
  });
  assert.deepEqual(await listVersions(t.db, 'nfl-mkt-direct').catch(() => []), []);
});

test('a missing-value flag that is 0 in every training row is neutralised (zero weights), not left untrained', { skip }, async () => {
  // Pre-kickoff consensus lines for every game: the market block trains; its flag never fires.
  await t.db.query(`INSERT INTO odds (game_id, kickoff, bookmaker_id, market, selection, kind, captured_at, price)
    SELECT o.game_id, o.kickoff, o.bookmaker_id, o.market, o.selection, k.kind, o.kickoff - k.before,
           CASE WHEN o.selection = 'home' THEN o.price * k.scale ELSE o.price END
      FROM odds o CROSS JOIN (VALUES ('opening', interval '6 days', 1.06), ('preclosing', interval '1 hour', 1.01)) AS k(kind, before, scale)
     WHERE o.market = 'moneyline' AND o.kind = 'closing'`);
  assert.equal((await featureSetAvailability(t.db, 'nfl-market')).available, true);
  const outcome = await trainAndRegister({ db: t.db }, 'run_neutral', parseTrainingSpec({ ...SPEC, model: 'nfl-mkt-ok' }));
  const version = await getVersion(t.db, 'nfl-mkt-ok', outcome.version);
  assert.deepEqual((version.evaluation as { training: { neutralisedColumns: string[] } }).training.neutralisedColumns, ['mkt_missing']);
  const dense = (await getArtifact(t.db, version.id, 'dense-json')).json as { featureNames: string[]; layers: Array<{ outputSize: number; weights: number[] }> };
  const col = dense.featureNames.indexOf('mkt_missing');
  const first = dense.layers[0]!;
  assert.deepEqual(first.weights.slice(col * first.outputSize, (col + 1) * first.outputSize), new Array(first.outputSize).fill(0));
});
