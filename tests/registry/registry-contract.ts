import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  aliasVersionStamp,
  countPredictions,
  createVersion,
  deleteAlias,
  getArtifact,
  getModel,
  getVersion,
  listAliasEvents,
  listArtifacts,
  listModels,
  listPredictions,
  listVersions,
  markFailed,
  markReady,
  putArtifact,
  resolveAlias,
  savePredictions,
  setAlias,
  type PredictionInput,
} from '../../registry/index.ts';
import type { TestDb } from '../support/services.ts';

const CLASSES = ['home', 'draw', 'away'];

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { code?: string }).code, code, `expected ${code}, got ${(error as Error).message}`);
    return true;
  });
}

/**
 * The registry contract: one suite, run against every `Db` implementation.
 * `concurrency` says how many registrations to race (pg really races; PGlite serialises).
 */
export function registryContract(label: string, open: () => Promise<TestDb>, options: { concurrency: number }): void {
  describe(`registry contract (${label})`, () => {
    let t: TestDb | undefined;
    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t?.drop();
    });
    const db = () => t!.db;

    it('allocates version numbers 1..n without gaps or duplicates under concurrency', async () => {
      const n = options.concurrency;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => createVersion(db(), { model: 'race', runId: `run-${i}`, classes: CLASSES, lineage: { createdBy: 'test' } })),
      );
      const numbers = results.map((r) => r.version.version).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: n }, (_, i) => i + 1));
      assert.ok(results.every((r) => r.created && r.version.status === 'PENDING'));
      const model = await getModel(db(), 'race');
      assert.equal(model.lastVersion, n);
      assert.equal((await listVersions(db(), 'race')).length, n);
    });

    it('is idempotent on run id, also when the same run races itself', async () => {
      const input = { model: 'idem', runId: 'job-42', classes: CLASSES, lineage: { algorithm: 'mlp', seed: 7 } };
      const results = await Promise.all(Array.from({ length: 5 }, () => createVersion(db(), input)));
      assert.equal(new Set(results.map((r) => r.version.id)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      const again = await createVersion(db(), input);
      assert.equal(again.created, false);
      assert.equal(again.version.version, 1);
      const other = await createVersion(db(), { ...input, runId: 'job-43' });
      assert.equal(other.version.version, 2);
      assert.equal((await listVersions(db(), 'idem')).length, 2);
    });

    it('stores lineage, results and status transitions; READY is final, FAILED reopens on retry', async () => {
      const lineage = {
        featureSet: { name: 'soccer-core', hash: 'abc123' },
        trainWindow: { from: '2010-07-01', to: '2019-06-30' },
        testWindow: { from: '2019-07-01', to: '2024-06-30' },
        datasetHash: 'd1',
        algorithm: 'mlp',
        params: { hidden: [32, 16], lr: 0.001 },
        seed: 1,
        codeVersion: 'deadbeef',
        createdBy: 'alice',
      };
      const { version: v } = await createVersion(db(), { model: 'life', runId: 'r1', classes: CLASSES, lineage, description: 'lifecycle' });
      assert.deepEqual(v.lineage, lineage);
      assert.deepEqual(v.classes, CLASSES);
      const ready = await markReady(db(), v.id, { metrics: { logLoss: 0.97 }, evaluation: { model: { logLoss: 0.97 } }, timings: { fitMs: 1200 } });
      assert.equal(ready.status, 'READY');
      assert.deepEqual(ready.metrics, { logLoss: 0.97 });
      assert.deepEqual(ready.timings, { fitMs: 1200 });
      await rejectsWithCode(markReady(db(), v.id), 'CONFLICT');
      await rejectsWithCode(markFailed(db(), v.id, 'late'), 'CONFLICT');
      const retried = await createVersion(db(), { model: 'life', runId: 'r1', classes: CLASSES, lineage });
      assert.equal(retried.created, false);
      assert.equal(retried.version.status, 'READY');

      const { version: f } = await createVersion(db(), { model: 'life', runId: 'r2', classes: CLASSES });
      await putArtifact(db(), f.id, { kind: 'dense-json', json: { w: [1] } });
      const failed = await markFailed(db(), f.id, 'out of memory', { fitMs: 5 });
      assert.equal(failed.status, 'FAILED');
      assert.equal(failed.statusMessage, 'out of memory');
      const reopened = await createVersion(db(), { model: 'life', runId: 'r2', classes: CLASSES });
      assert.equal(reopened.reopened, true);
      assert.equal(reopened.version.version, 2);
      assert.equal(reopened.version.status, 'PENDING');
      assert.equal(reopened.version.statusMessage, null);
      assert.deepEqual(await listArtifacts(db(), f.id), []);

      assert.equal((await getModel(db(), 'life')).description, 'lifecycle');
      assert.deepEqual((await listVersions(db(), 'life', { status: 'READY' })).map((x) => x.version), [1]);
      assert.equal((await getVersion(db(), 'life', 'latest')).version, 1);
      assert.equal((await getVersion(db(), 'life', '2')).version, 2);
      assert.ok((await listModels(db())).some((m) => m.name === 'life'));
    });

    it('reports missing models, versions and aliases with their codes', async () => {
      await rejectsWithCode(getModel(db(), 'nope'), 'MODEL_NOT_FOUND');
      await rejectsWithCode(listVersions(db(), 'nope'), 'MODEL_NOT_FOUND');
      await rejectsWithCode(getVersion(db(), 'nope', 1), 'MODEL_NOT_FOUND');
      await createVersion(db(), { model: 'lonely', runId: 'x', classes: CLASSES });
      await rejectsWithCode(getVersion(db(), 'lonely', 9), 'MODEL_VERSION_NOT_FOUND');
      await rejectsWithCode(getVersion(db(), 'lonely', '99999999999'), 'MODEL_VERSION_NOT_FOUND');
      await rejectsWithCode(getVersion(db(), 'lonely', 'latest'), 'MODEL_VERSION_NOT_FOUND');
      await rejectsWithCode(getVersion(db(), 'lonely', 'champion'), 'MODEL_ALIAS_NOT_FOUND');
      await rejectsWithCode(resolveAlias(db(), 'lonely', 'champion'), 'MODEL_ALIAS_NOT_FOUND');
      await rejectsWithCode(createVersion(db(), { model: 'Bad Name', runId: 'x', classes: CLASSES }), 'VALIDATION_FAILED');
    });

    it('moves aliases only onto READY versions and audits every move', async () => {
      const v1 = (await createVersion(db(), { model: 'promo', runId: 'a', classes: CLASSES })).version;
      const v2 = (await createVersion(db(), { model: 'promo', runId: 'b', classes: CLASSES })).version;
      const v3 = (await createVersion(db(), { model: 'promo', runId: 'c', classes: CLASSES })).version;
      await markReady(db(), v1.id);
      await markReady(db(), v2.id);
      await markFailed(db(), v3.id, 'diverged');
      const stamp0 = await aliasVersionStamp(db());

      await rejectsWithCode(setAlias(db(), 'promo', 'champion', 3, 'bob'), 'MODEL_VERSION_NOT_READY');
      const v4 = (await createVersion(db(), { model: 'promo', runId: 'd', classes: CLASSES })).version;
      await rejectsWithCode(setAlias(db(), 'promo', 'champion', v4.version, 'bob'), 'MODEL_VERSION_NOT_READY');
      await rejectsWithCode(setAlias(db(), 'promo', 'champion', 99, 'bob'), 'MODEL_VERSION_NOT_FOUND');
      await rejectsWithCode(setAlias(db(), 'promo', 'Champion', 1, 'bob'), 'MODEL_ALIAS_INVALID');
      await rejectsWithCode(setAlias(db(), 'promo', 'latest', 1, 'bob'), 'MODEL_ALIAS_INVALID');
      await rejectsWithCode(setAlias(db(), 'promo', '7', 1, 'bob'), 'MODEL_ALIAS_INVALID');
      await rejectsWithCode(setAlias(db(), 'ghost', 'champion', 1, 'bob'), 'MODEL_NOT_FOUND');
      assert.equal(await aliasVersionStamp(db()), stamp0, 'refused moves leave no audit row');

      const first = await setAlias(db(), 'promo', 'champion', 1, 'alice');
      assert.deepEqual([first.previousVersion, first.changed, first.alias.version, first.alias.updatedBy], [null, true, 1, 'alice']);
      const stamp1 = await aliasVersionStamp(db());
      assert.notEqual(stamp1, stamp0);
      const same = await setAlias(db(), 'promo', 'champion', 1, 'alice');
      assert.equal(same.changed, false);
      assert.equal(await aliasVersionStamp(db()), stamp1, 'a no-op set writes no audit row');
      const moved = await setAlias(db(), 'promo', 'champion', 2, 'bob');
      assert.deepEqual([moved.previousVersion, moved.alias.version], [1, 2]);
      await setAlias(db(), 'promo', 'challenger', 1, 'carol');

      assert.equal(await resolveAlias(db(), 'promo', 'champion'), 2);
      const byAlias = await getVersion(db(), 'promo', 'champion');
      assert.equal(byAlias.version, 2);
      assert.deepEqual(byAlias.aliases, ['champion']);
      assert.deepEqual((await getModel(db(), 'promo')).aliases, { challenger: 1, champion: 2 });

      const removed = await deleteAlias(db(), 'promo', 'challenger', 'dave');
      assert.equal(removed.previousVersion, 1);
      await rejectsWithCode(deleteAlias(db(), 'promo', 'challenger', 'dave'), 'MODEL_ALIAS_NOT_FOUND');

      const history = await listAliasEvents(db(), 'promo');
      assert.deepEqual(
        history.map((e) => [e.alias, e.fromVersion, e.toVersion, e.actor]),
        [
          ['challenger', 1, null, 'dave'],
          ['challenger', null, 1, 'carol'],
          ['champion', 1, 2, 'bob'],
          ['champion', null, 1, 'alice'],
        ],
      );
      assert.ok(history.every((e) => e.model === 'promo' && !Number.isNaN(Date.parse(e.at))));
      const championOnly = await listAliasEvents(db(), 'promo', { alias: 'champion' });
      assert.deepEqual(championOnly.map((e) => e.toVersion), [2, 1]);
    });

    it('round-trips artifacts byte for byte, and JSON artifacts by value', async () => {
      const { version } = await createVersion(db(), { model: 'arts', runId: 'r', classes: CLASSES });
      // Every byte value, including 0x00, backslash and high bytes, plus random noise.
      const bytes = new Uint8Array([...Array.from({ length: 256 }, (_, i) => i), ...randomBytes(100_000)]);
      const info = await putArtifact(db(), version.id, { kind: 'tfjs', name: 'weights.bin', bytes });
      assert.equal(info.size, bytes.byteLength);
      assert.equal(info.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(info.encoding, 'bytes');
      const back = await getArtifact(db(), version.id, 'tfjs', 'weights.bin');
      assert.ok(back.bytes instanceof Uint8Array);
      assert.equal(Buffer.compare(Buffer.from(back.bytes!), Buffer.from(bytes)), 0);
      assert.equal(createHash('sha256').update(back.bytes!).digest('hex'), info.sha256);

      const topology = { format: 'layers-model', modelTopology: { layers: [{ units: 32, activation: 'relu' }] }, weights: [0.1, -2.5e-17, 1e300] };
      await putArtifact(db(), version.id, { kind: 'tfjs', name: 'model.json', json: topology });
      const j = await getArtifact(db(), version.id, 'tfjs', 'model.json');
      assert.deepEqual(j.json, topology);
      assert.equal(j.bytes, null);
      assert.equal(j.contentType, 'application/json');

      // PENDING: replace allowed.
      await putArtifact(db(), version.id, { kind: 'tfjs', name: 'model.json', json: { replaced: true } });
      assert.deepEqual((await getArtifact(db(), version.id, 'tfjs', 'model.json')).json, { replaced: true });
      await markReady(db(), version.id);
      // READY: add allowed, replace refused.
      await putArtifact(db(), version.id, { kind: 'importance', json: { x: 1 } });
      await rejectsWithCode(putArtifact(db(), version.id, { kind: 'tfjs', name: 'model.json', json: {} }), 'CONFLICT');
      assert.deepEqual((await listArtifacts(db(), version.id)).map((a) => `${a.kind}/${a.name}`), ['importance/main', 'tfjs/model.json', 'tfjs/weights.bin']);
      await rejectsWithCode(getArtifact(db(), version.id, 'onnx'), 'NOT_FOUND');
      await rejectsWithCode(putArtifact(db(), version.id, { kind: 'onnx' }), 'VALIDATION_FAILED');
    });

    it('round-trips predictions exactly and refuses rows that do not fit the classes', async () => {
      const { version } = await createVersion(db(), { model: 'preds', runId: 'r', classes: CLASSES });
      const rows: PredictionInput[] = Array.from({ length: 3000 }, (_, i) => {
        const a = Math.random();
        const b = Math.random() * (1 - a);
        return {
          gameId: 1_000_000 + i,
          kickoff: new Date(Date.UTC(2020, 0, 1) + (3000 - i) * 3_600_000),
          competition: i % 2 ? 'E0' : 'D1',
          home: i === 5 ? 'Team, "quoted"\tTab' : `Home ${i}`,
          away: `Away\\${i}`,
          probabilities: [a, b, 1 - a - b],
          outcome: i % 10 === 0 ? null : CLASSES[i % 3]!,
        };
      });
      assert.equal(await savePredictions(db(), version.id, rows), 3000);
      assert.equal(await countPredictions(db(), version.id), 3000);
      const back = await listPredictions(db(), version.id);
      const expected = rows
        .map((r) => ({ ...r, kickoff: new Date(r.kickoff).toISOString() }))
        .sort((x, y) => x.kickoff.localeCompare(y.kickoff) || x.gameId - y.gameId);
      assert.deepEqual(back, expected);
      const page = await listPredictions(db(), version.id, { limit: 2, offset: 1 });
      assert.deepEqual(page, expected.slice(1, 3));

      // Saving again replaces.
      assert.equal(await savePredictions(db(), version.id, rows.slice(0, 10)), 10);
      assert.equal(await countPredictions(db(), version.id), 10);

      const bad = { ...rows[0]!, probabilities: [0.5, 0.5] };
      await rejectsWithCode(savePredictions(db(), version.id, [bad]), 'VALIDATION_FAILED');
      await rejectsWithCode(savePredictions(db(), version.id, [{ ...rows[0]!, outcome: 'win' }]), 'VALIDATION_FAILED');
      await rejectsWithCode(savePredictions(db(), version.id, [rows[0]!, rows[0]!]), 'VALIDATION_FAILED');
      assert.equal(await countPredictions(db(), version.id), 10, 'a refused save leaves the stored rows');
      await markReady(db(), version.id);
      await rejectsWithCode(savePredictions(db(), version.id, rows.slice(0, 1)), 'CONFLICT');
    });

    it('composes in a caller transaction and rolls back as one', async () => {
      await assert.rejects(
        db().transaction(async (tx) => {
          const { version } = await createVersion(tx, { model: 'atomic', runId: 'r', classes: CLASSES });
          await putArtifact(tx, version.id, { kind: 'dense-json', json: { ok: true } });
          throw new Error('boom');
        }),
        /boom/,
      );
      await rejectsWithCode(getModel(db(), 'atomic'), 'MODEL_NOT_FOUND');
      const { version } = await createVersion(db(), { model: 'atomic', runId: 'r', classes: CLASSES });
      assert.equal(version.version, 1, 'the rolled-back registration left no gap');
    });
  });
}
