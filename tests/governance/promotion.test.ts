import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestKey, injectWithKey } from '../support/app.ts';
import { createServingApp, instanceOf, registerTestModel } from '../serving/support.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];
const EVALUATION = { summary: { model: { n: 200, logLoss: 0.97, brier: 0.58, accuracy: 0.5, ece: 0.02 }, closing: { n: 200, logLoss: 0.96, brier: 0.57, accuracy: 0.51, ece: 0.01 } } };

describe('promotion as a decision (HTTP, two people)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let testX: Float32Array;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  let sam = '';
  let samAsReviewer = '';
  let rita = '';
  let admin = '';

  beforeAll(async () => {
    t = await createTestPgDb('promotion');
    const v1 = await registerTestModel(t.db, { model: 'promo', seed: 31 });
    testX = v1.testX as Float32Array;
    await registerTestModel(t.db, { model: 'promo', seed: 32, alias: null, evaluation: EVALUATION });
    ({ app, ctx } = await createServingApp(t.db, { serving: { pollMs: 600_000 } }));
    sam = await createTestKey(t.db, 'scientist', 'sam');
    samAsReviewer = await createTestKey(t.db, 'reviewer', 'sam');
    rita = await createTestKey(t.db, 'reviewer', 'rita');
    admin = await createTestKey(t.db, 'admin', 'ada');
    injectWithKey(app, admin);
  });
  afterAll(async () => {
    await app.close();
    await ctx.serving.close();
    await t.drop();
  });

  const predictVersion = async () => (await app.inject({ method: 'POST', url: '/v1/models/promo/predict', payload: { instances: [instanceOf(NAMES, testX, 0)] } })).json().version as number;

  it('champion does not move directly, even for an admin; staging does', async () => {
    const direct = await app.inject({ method: 'PUT', url: '/v1/models/promo/aliases/champion', payload: { version: 2 } });
    assert.equal(direct.statusCode, 409);
    assert.equal(direct.json().error.code, 'ALIAS_PROTECTED');
    const staging = await app.inject({ method: 'PUT', url: '/v1/models/promo/aliases/staging', payload: { version: 2 } });
    assert.equal(staging.statusCode, 200);
    const noProposal = await app.inject({ method: 'POST', url: '/v1/models/promo/proposals', headers: as(sam), payload: { alias: 'staging', version: 2 } });
    assert.equal(noProposal.json().error.code, 'MODEL_ALIAS_INVALID');
  });

  it('a scientist proposes with the evaluation attached; the proposer cannot approve (another key, same person); a reviewer can, and the server swaps at once', async () => {
    assert.equal(await predictVersion(), 1);
    const proposed = await app.inject({ method: 'POST', url: '/v1/models/promo/proposals', headers: as(sam), payload: { alias: 'champion', version: 2, note: 'better log loss' } });
    assert.equal(proposed.statusCode, 201, proposed.body);
    const p = proposed.json();
    assert.deepEqual([p.status, p.fromVersion, p.version, p.proposedBy, p.note], ['pending', 1, 2, 'sam', 'better log loss']);
    assert.deepEqual(p.evaluation, EVALUATION.summary);
    assert.equal(await predictVersion(), 1, 'a proposal moves nothing');

    const twice = await app.inject({ method: 'POST', url: '/v1/models/promo/proposals', headers: as(sam), payload: { alias: 'champion', version: 2 } });
    assert.equal(twice.json().error.code, 'CONFLICT');
    const byScientist = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/approve`, headers: as(sam) });
    assert.equal(byScientist.statusCode, 403);
    assert.equal(byScientist.json().error.code, 'FORBIDDEN');
    const self = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/approve`, headers: as(samAsReviewer) });
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().error.code, 'PROPOSAL_SELF_APPROVAL');

    const approved = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/approve`, headers: as(rita) });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.deepEqual([approved.json().proposal.status, approved.json().proposal.decidedBy, approved.json().move.changed], ['approved', 'rita', true]);
    // No poll (600 s): the swap comes from the move's notice, as with any alias move.
    assert.equal(await predictVersion(), 2);
    const again = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/approve`, headers: as(rita) });
    assert.equal(again.json().error.code, 'PROPOSAL_NOT_PENDING');
  });

  it('a rejection needs a reason and moves nothing', async () => {
    const p = (await app.inject({ method: 'POST', url: '/v1/models/promo/proposals', headers: as(sam), payload: { alias: 'champion', version: 1 } })).json();
    const noReason = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/reject`, headers: as(rita), payload: {} });
    assert.equal(noReason.statusCode, 400);
    const blank = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/reject`, headers: as(rita), payload: { reason: '   ' } });
    assert.equal(blank.statusCode, 400);
    const rejected = await app.inject({ method: 'POST', url: `/v1/proposals/${p.id}/reject`, headers: as(rita), payload: { reason: 'not on the closing line' } });
    assert.equal(rejected.statusCode, 200);
    assert.deepEqual([rejected.json().status, rejected.json().reason], ['rejected', 'not on the closing line']);
    assert.equal(await predictVersion(), 2);
    const list = await app.inject({ method: 'GET', url: '/v1/models/promo/proposals?status=rejected', headers: as(rita) });
    assert.deepEqual(list.json().proposals.map((x: { id: number }) => x.id), [p.id]);
  });

  it('every step is in the audit log under the person who did it, and the chain verifies', async () => {
    const audit = await app.inject({ method: 'GET', url: '/v1/audit?action=proposal', headers: as(rita) });
    assert.deepEqual(audit.json().entries.map((e: { action: string; actor: string; keyPrefix: string }) => [e.action, e.actor]).reverse(), [
      ['proposal.created', 'sam'],
      ['proposal.approved', 'rita'],
      ['proposal.created', 'sam'],
      ['proposal.rejected', 'rita'],
    ]);
    const moves = (await app.inject({ method: 'GET', url: '/v1/audit?action=alias.moved&actor=rita', headers: as(rita) })).json().entries;
    assert.equal(moves.length, 1);
    assert.deepEqual(moves[0].details, { model: 'promo', alias: 'champion', from: 1, to: 2, proposal: 1 });
    assert.equal((await app.inject({ method: 'GET', url: '/v1/audit', headers: as(sam) })).statusCode, 403, 'scientists do not read the audit log');
  });
});
