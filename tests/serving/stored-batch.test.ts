import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeatures } from '../../features/index.ts';
import { AppError } from '../../core/index.ts';
import { predictGames, type PredictionItem, type ServedVersion } from '../../src/serving/index.ts';
import { resolveServedVersion, writeBatchPredictions } from '../../src/services/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { createServingApp, registerTestModel } from './support.ts';

/** A prediction without the instant it was made (`asOf` is "now" on either path). */
function comparable(p: PredictionItem) {
  const { asOf: _asOf, ...game } = p.game!;
  return { ...p, game };
}

describe('batch prediction of stored games reads the materialised rows set-wise, with the online path\'s results', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let served: ServedVersion;
  let played: number[];
  let scheduled: number;
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-stored-batch-'));

  beforeAll(async () => {
    t = await createTestPgDb('serving_stored_batch');
    await importSyntheticLeague(t.db, { seasons: 2, teams: 10 }); // 18 matchdays: the current season has fixtures left
    await buildFeatures(t.db, 'soccer-1x2-market', { full: true });
    await registerTestModel(t.db, { model: 'batch', featureSet: 'soccer-1x2-market', seed: 5 });
    ({ app, ctx } = await createServingApp(t.db, { serving: { onlineRowTtlMs: 0 } }));
    served = await resolveServedVersion(ctx, { model: 'batch' });
    const { rows } = await t.db.query<{ id: number; status: string }>('SELECT id::int, status FROM games ORDER BY kickoff, id');
    played = rows.filter((r) => r.status === 'final').map((r) => r.id);
    scheduled = rows.find((r) => r.status === 'scheduled')!.id;
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a batch of settled games touches no online computation and equals one-game-at-a-time online predictions', async () => {
    const games = played.map((gameId) => ({ gameId }));
    const stats = { ...ctx.serving.featureCache.stats };
    const batch = await predictGames(ctx.serving, served, games);
    assert.deepEqual(ctx.serving.featureCache.stats, stats, 'the batch computed no online row');
    assert.equal(batch.predictions.length, played.length);
    // A lone request goes through the online feature store (every third game, to stay quick).
    for (const [i, gameId] of played.entries()) {
      if (i % 3) continue;
      const online = await predictGames(ctx.serving, served, [{ gameId }]);
      assert.deepEqual(comparable(batch.predictions[i]!), comparable(online.predictions[0]!), `game ${gameId}`);
    }
    assert.ok(ctx.serving.featureCache.stats.hits + ctx.serving.featureCache.stats.misses > stats.hits + stats.misses, 'the lone requests were computed online');
    assert.ok(batch.predictions.some((p) => p.market?.source === 'stored'), 'stored odds reach the market view');
  });

  it('games the build has not settled, and unknown ids, fall back to the online path in the same batch', async () => {
    const games = [{ gameId: played[3]! }, { gameId: scheduled }, { gameId: played[4]! }];
    const batch = await predictGames(ctx.serving, served, games);
    const alone = await predictGames(ctx.serving, served, [{ gameId: scheduled }]);
    assert.deepEqual(comparable(batch.predictions[1]!), comparable(alone.predictions[0]!));
    await assert.rejects(predictGames(ctx.serving, served, [{ gameId: played[0]! }, { gameId: 987_654_321 }]), (e: unknown) => e instanceof AppError && e.code === 'GAME_NOT_FOUND' && /games\[1\]/.test(e.message));
  });

  it('writeBatchPredictions (`sharpline predict --games <query>`) streams every stored game to CSV', async () => {
    const out = join(dir, 'all.csv');
    const r = await writeBatchPredictions({ ...ctx, config: { ...ctx.config, maxPredictRows: 50 } }, { ref: { model: 'batch' }, games: 'from=2000-01-01', out });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(r.rows, lines.length - 1);
    assert.ok(r.rows > played.length, 'scheduled games are predicted too');
    assert.equal(new Set(lines.slice(1).map((l) => l.split(',')[0])).size, r.rows, 'rows numbered across chunks');
  });
});
