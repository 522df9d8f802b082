/**
 * The evaluate and propose schedule steps, on the embedded database and on Postgres (own schema):
 * each served version scored from its stored pre-kickoff predictions on games finished since it
 * was trained (beside the market on the same games), stored once per (model, version, as-of,
 * games); a challenger that beats the champion on the same unseen games by the margin, with a
 * paired bootstrap interval below zero, gets one promotion proposal made by the schedule, never a
 * second; one that does not, or has too few games, gets none.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../src/context.ts';
import { listProposals, rejectProposal, runScheduledStep, SCHEDULE_STEP_RUNNERS, type ChallengerVerdict } from '../../src/services/index.ts';
import { operatorActor } from '../../src/governance/index.ts';
import { listLiveEvaluations, savePreKickoffPredictions } from '../../registry/index.ts';
import { logLoss } from '../../training/index.ts';
import { pairedBootstrap } from '../../core/index.ts';
import { buildTestApp, createTestContext, readyWithKey } from '../support/app.ts';
import { createTestPgDb, createTestPgliteDb, type TestDb } from '../support/services.ts';
import { Fixture } from '../features/helpers.ts';
import { registerTestModel } from '../serving/support.ts';

const H = 3_600_000;
const DAY = 24 * H;
// Relative to the real clock: the versions' registration time bounds the games they never saw.
const T0 = Math.ceil(Date.now() / H) * H + 10 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);
const CHAMPION_P = [0.15, 0.15, 0.7];
const MARKET = { home: 2.0, draw: 3.5, away: 4.0 };
/** The challenger: 0.55 on the right side in 4 games of 5, 0.2 otherwise. */
const challengerP = (i: number, y: number) => (i % 5 === 4 ? [y === 0 ? 0.2 : 0.55, 0.25, y === 0 ? 0.55 : 0.2] : [y === 0 ? 0.55 : 0.2, 0.25, y === 0 ? 0.2 : 0.55]);

describe.each([
  ['PGlite', () => createTestPgliteDb()],
  ['Postgres', () => createTestPgDb('t_steps17_eval')],
] as const)('schedule steps evaluate and propose (%s)', (_label, open) => {
  let t: TestDb;
  let ctx: AppContext;
  let home: string;
  let clock: string;
  const main: Array<{ id: number; kickoff: number; y: number }> = [];
  let late = 0;

  const run = async (step: 'evaluate' | 'propose', at: number) => {
    writeFileSync(clock, iso(at));
    return runScheduledStep(ctx, step, SCHEDULE_STEP_RUNNERS);
  };
  const versionId = async (v: number) => (await t.db.query<{ id: number }>("SELECT v.id::int AS id FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.name = 'ev' AND v.version = $1", [v])).rows[0]!.id;
  const pre = (kickoff: number, probabilities: number[], gameId: number) => ({ gameId, kickoff: new Date(kickoff), predictedAt: new Date(kickoff - 3 * H), probabilities });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'steps17-eval-'));
    clock = join(home, 'clock');
    t = await open();
    const fx = new Fixture(t.db);
    for (const [seed, alias] of [[41, 'champion'], [42, 'challenger'], [43, 'shadow'], [44, 'fresh'], [45, 'noisy']] as const) await registerTestModel(t.db, { model: 'ev', featureSet: 'soccer-1x2-base', seed, alias });
    // v2's test window ends 4 days before the clock: only games from the day after are unseen by it.
    await t.db.query("UPDATE model_versions SET lineage = lineage || jsonb_build_object('testWindow', jsonb_build_object('from', '2026-01-01', 'to', $1::text)) WHERE id = $2", [day(T0 - 4 * DAY), await versionId(2)]);
    const [v1, v2, v3, v4, v5] = await Promise.all([1, 2, 3, 4, 5].map(versionId));
    // Before every version was registered: seen (or at least not unseen) by all.
    const old = await fx.game({ competition: 'E0', kickoff: iso(T0 - 12 * DAY - 20 * DAY), home: 'old1', away: 'old2', score: [1, 0] });
    // After v1 was registered, before v2's unseen games begin.
    const mid = await fx.game({ competition: 'E0', kickoff: iso(T0 - 108 * H), home: 'mid1', away: 'mid2', score: [1, 0] });
    for (let i = 0; i < 40; i++) {
      const kickoff = T0 - 70 * H + i * 1.5 * H;
      const y = i % 2 === 0 ? 0 : 2;
      const id = await fx.game({ competition: 'E0', kickoff: iso(kickoff), home: `h${i}`, away: `a${i}`, score: y === 0 ? [2, 0] : [0, 1] });
      await fx.odds(id, 'pinnacle', 'closing', MARKET);
      main.push({ id, kickoff, y });
    }
    late = await fx.game({ competition: 'E0', kickoff: iso(T0 - H), home: 'late1', away: 'late2' });
    const extra = (p: number[]) => [pre(T0 - 32 * DAY, p, old), pre(T0 - 108 * H, p, mid), pre(T0 - H, p, late)];
    await savePreKickoffPredictions(t.db, v1, [...extra(CHAMPION_P), ...main.map((g) => pre(g.kickoff, CHAMPION_P, g.id))]);
    await savePreKickoffPredictions(t.db, v2, [...extra([0.4, 0.3, 0.3]), ...main.map((g, i) => pre(g.kickoff, challengerP(i, g.y), g.id))]);
    // v3: worse than the champion; v4: better, but on 5 games only.
    await savePreKickoffPredictions(t.db, v3, main.map((g) => pre(g.kickoff, [0.1, 0.1, 0.8], g.id)));
    await savePreKickoffPredictions(t.db, v4, main.slice(0, 5).map((g, i) => pre(g.kickoff, challengerP(i, g.y), g.id)));
    // v5: a lead far past the margin on average, all of it from two games: the interval spans zero.
    await savePreKickoffPredictions(t.db, v5, main.map((g, i) => pre(g.kickoff, i === 0 || i === 2 ? [0.97, 0.02, 0.01] : g.y === 0 ? [0.14, 0.15, 0.71] : [0.16, 0.15, 0.69], g.id)));
    ctx = await createTestContext(t.db, { env: { SHARPLINE_HOME: home, SHARPLINE_CLOCK_FILE: clock, SHARPLINE_PROMOTION_MIN_GAMES: '30', SHARPLINE_PROMOTION_MARGIN: '0.005', SHARPLINE_PROMOTION_LEVEL: '0.95' } });
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
    await t?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('evaluate: each version on the finished games it never saw, from its pre-kickoff predictions, beside the market', async () => {
    const r = (await run('evaluate', T0)).result as Record<string, Record<string, { games: number; since: string; asOf: string; logLoss: number; market: { games: number; logLoss: number; modelLogLoss: number }; stored: boolean }>>;
    const v1 = r.ev!.v1!;
    const v2 = r.ev!.v2!;
    assert.equal(v1.games, 41, 'the main games and the one after v1 was registered; not the old one, nor the unfinished one');
    assert.equal(v2.games, 40, 'only the games after v2\'s test window');
    assert.equal(v2.since, iso(Date.parse(`${day(T0 - 4 * DAY)}T00:00:00Z`) + DAY));
    assert.equal(v1.asOf, iso(main.at(-1)!.kickoff));
    const ys = main.map((g) => g.y);
    const expectV2 = logLoss(main.map((g, i) => challengerP(i, g.y)), ys);
    assert.ok(Math.abs(v2.logLoss - expectV2) < 1e-12, `${v2.logLoss} vs ${expectV2}`);
    assert.ok(Math.abs(v1.logLoss - logLoss([[0.15, 0.15, 0.7], ...main.map(() => CHAMPION_P)], [0, ...ys])) < 1e-12);
    assert.equal(v2.market.games, 40);
    assert.ok(Math.abs(v2.market.modelLogLoss - expectV2) < 1e-12);
    assert.ok(v1.stored && v2.stored);
    const stored = await listLiveEvaluations(t.db, 'ev');
    assert.deepEqual(stored.map((e) => [e.version, e.games, e.aliases]), [[1, 41, ['champion']], [2, 40, ['challenger']], [3, 40, ['shadow']], [4, 5, ['fresh']], [5, 40, ['noisy']]]);
    // Over the API, as stored.
    const app = await buildTestApp(ctx);
    try {
      await readyWithKey(app);
      const res = await app.inject({ method: 'GET', url: '/v1/live-evaluations?model=ev' });
      assert.equal(res.statusCode, 200, res.body);
      const listed = (res.json() as { evaluations: Array<{ version: number; logLoss: number; games: number }> }).evaluations;
      assert.deepEqual(listed.map((e) => [e.version, e.games]), stored.map((e) => [e.version, e.games]));
      assert.ok(Math.abs(listed[1]!.logLoss - expectV2) < 1e-12);
    } finally {
      await app.close();
    }
  });

  it('evaluate twice: the second run stores nothing; a late result scores anew', async () => {
    const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM live_evaluations')).rows[0]!.n;
    assert.equal(await count(), 5);
    const again = (await run('evaluate', T0 + H / 2)).result as Record<string, Record<string, { stored: boolean }>>;
    assert.deepEqual(Object.values(again.ev!).map((e) => e.stored), [false, false, false, false, false]);
    assert.equal(await count(), 5);
    await t.db.query("INSERT INTO results (game_id, home_score, away_score, outcome, stats) VALUES ($1, 1, 1, 'draw', '{}')", [late]);
    await t.db.query("UPDATE games SET status = 'final' WHERE id = $1", [late]);
    const after = (await run('evaluate', T0 + H)).result as Record<string, Record<string, { games: number; stored: boolean; asOf: string }>>;
    assert.deepEqual([after.ev!.v1!.games, after.ev!.v1!.stored, after.ev!.v1!.asOf], [42, true, iso(T0 - H)]);
    assert.equal(await count(), 7, 'v1 and v2 predicted the late game; the others did not');
    await t.db.query("UPDATE games SET status = 'scheduled' WHERE id = $1", [late]);
  });

  it('propose: the better challenger gets one proposal by the schedule; the worse, the thinly tested and the insignificant none', async () => {
    const r = (await run('propose', T0)).result as Record<string, ChallengerVerdict[]>;
    const by = new Map(r.ev!.map((v) => [v.challenger, v]));
    const ch = by.get('challenger v2')!;
    assert.equal(ch.status, 'proposed', JSON.stringify(ch));
    assert.equal(ch.games, 40);
    // The statistic by hand: challenger minus champion log loss per game, bootstrapped over games.
    const loss = (p: number[], y: number) => -Math.log(p[y]!);
    const diffs = main.map((g, i) => loss(challengerP(i, g.y), g.y) - loss(CHAMPION_P, g.y));
    const b = pairedBootstrap(diffs, { level: 0.95 })!;
    assert.ok(Math.abs(ch.difference!.mean - b.mean) < 1e-12 && Math.abs(ch.difference!.hi - b.hi) < 1e-12, `${JSON.stringify(ch.difference)} vs ${JSON.stringify(b)}`);
    assert.ok(b.hi < 0 && -b.mean > 0.005);
    assert.equal(by.get('shadow v3')!.status, 'not-better');
    assert.equal(by.get('fresh v4')!.status, 'too-few-games');
    assert.equal(by.get('fresh v4')!.games, 5);
    const noisy = by.get('noisy v5')!;
    assert.ok(-noisy.difference!.mean > 0.005 && noisy.difference!.hi > 0, JSON.stringify(noisy.difference));
    assert.equal(noisy.status, 'not-better', 'a mean lead whose interval reaches above zero is not significant');
    const proposals = await listProposals(t.db, { model: 'ev' });
    assert.equal(proposals.length, 1);
    assert.deepEqual([proposals[0]!.alias, proposals[0]!.version, proposals[0]!.fromVersion, proposals[0]!.status, proposals[0]!.proposedBy], ['champion', 2, 1, 'pending', 'schedule']);
    assert.match(proposals[0]!.note!, /beats champion v1 on 40 finished games/);
  });

  it('propose twice, and after a rejection: still the one proposal', async () => {
    const again = (await run('propose', T0 + H / 2)).result as Record<string, ChallengerVerdict[]>;
    const first = (await listProposals(t.db, { model: 'ev' }))[0]!;
    assert.deepEqual(again.ev!.find((v) => v.challenger === 'challenger v2')!.proposal, { id: first.id, status: 'pending' });
    await rejectProposal(ctx, operatorActor('reviewer'), first.id, 'not this week');
    const later = (await run('propose', T0 + H)).result as Record<string, ChallengerVerdict[]>;
    assert.deepEqual(later.ev!.find((v) => v.challenger === 'challenger v2')!.proposal, { id: first.id, status: 'rejected' });
    assert.equal((await listProposals(t.db, { model: 'ev' })).length, 1);
  });
});
