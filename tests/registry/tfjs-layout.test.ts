import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Tfjs from '@tensorflow/tfjs';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { buildTrainingSet, type TrainingSet } from '../../features/index.ts';
import { initTf } from '../../models/index.ts';
import { getVersion, listArtifacts, listPredictions } from '../../registry/index.ts';
import { loadServedVersion } from '../../src/serving/index.ts';
import { parseTrainingSpec, runIdOf, trainAndRegister } from '../../training/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

const SPEC = { model: 'tflayout', algo: 'mlp', featureSet: 'soccer-1x2-market', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25', params: { hidden: [6], epochs: 5 } };

function predictTfjs(tf: typeof Tfjs, lm: Tfjs.LayersModel, set: TrainingSet): Float32Array {
  return tf.tidy(() => (lm.predict(tf.tensor2d(Float32Array.from(set.X), [set.nRows, set.featureNames.length])) as Tfjs.Tensor).dataSync() as Float32Array);
}

/** Worst |tfjs − served| over the test games, matching stored predictions by game id. */
async function worstAgainstStored(t: TestDb, versionId: number, set: TrainingSet, got: ArrayLike<number>): Promise<number> {
  const stored = new Map((await listPredictions(t.db, versionId, { limit: 100_000 })).map((p) => [p.gameId, p.probabilities]));
  assert.equal(stored.size, set.nRows);
  const k = set.classes.length;
  let worst = 0;
  set.gameIds.forEach((gameId, i) => {
    const p = stored.get(gameId)!;
    for (let c = 0; c < k; c++) worst = Math.max(worst, Math.abs(p[c]! - got[i * k + c]!));
  });
  return worst;
}

describe('tfjs artifact in tfjs\'s own layout (model.json + weights.bin), loaded by tf.loadLayersModel over HTTP', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let dir: string;
  let testSet: TrainingSet;
  let base: string;
  let token: string;
  beforeAll(async () => {
    t = await createTestPgDb('tfj20_layout');
    await importSyntheticLeague(t.db, { seasons: 3 });
    const parsed = parseTrainingSpec(SPEC);
    await trainAndRegister({ db: t.db }, runIdOf(parsed), parsed);
    testSet = await buildTrainingSet(t.db, SPEC.featureSet, { from: SPEC.testFrom, to: '2026-11-26', ensureBuilt: false });
    ({ app, ctx } = await createTestApp(t.db));
    token = await createTestKey(t.db, 'reviewer', 'tfjs-loader');
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'sharpline-tfjs-layout-'));
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores tfjs/model.json (modelTopology + weightsManifest → weights.bin) and tfjs/weights.bin, not the custom tfjs-layers/1 JSON', async () => {
    const version = await getVersion(t.db, 'tflayout', '1');
    const parts = (await listArtifacts(t.db, version.id)).filter((a) => a.kind === 'tfjs');
    assert.deepEqual(parts.map((p) => p.name).sort(), ['model.json', 'weights.bin']);
    const res = await app.inject('/v1/models/tflayout/versions/1/artifacts/tfjs/model.json');
    assert.equal(res.statusCode, 200, res.body);
    const json = res.json();
    assert.equal(json.format, 'layers-model');
    assert.equal(json.modelTopology?.class_name, 'Sequential');
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.equal(json.userDefinedMetadata.sharpline.featureNames.length, testSet.featureNames.length);
    assert.equal('weightData' in json, false);
    const bin = await app.inject('/v1/models/tflayout/versions/1/artifacts/tfjs/weights.bin');
    const floats = json.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(bin.rawPayload.length, floats * 4);
    assert.equal(createHash('sha256').update(bin.rawPayload).digest('hex'), bin.headers['x-content-sha256']);
    assert.equal(bin.headers['x-stored-sha256'], bin.headers['x-content-sha256']);
    assert.equal(res.headers['x-stored-sha256'], res.headers['x-content-sha256']);
    assert.match(res.headers['content-disposition'] as string, /tflayout-v1-tfjs-model\.json"/);
  });

  it('tf.loadLayersModel(…/artifacts/tfjs/model.json) over real HTTP gives the served probabilities within 1e-6 on every test game', async () => {
    const { tf } = await initTf();
    const lm = await tf.loadLayersModel(`${base}/v1/models/tflayout/versions/1/artifacts/tfjs/model.json`, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    try {
      const got = predictTfjs(tf, lm, testSet);
      const version = await getVersion(t.db, 'tflayout', '1');
      const worst = await worstAgainstStored(t, version.id, testSet, got);
      assert.ok(worst < 1e-6, `tfjs loaded over HTTP vs stored predictions: ${worst}`);
      // The served response (ONNX) for a few real rows, through the predict route.
      const nf = testSet.featureNames.length;
      const instances = [0, 1, 2].map((i) => Object.fromEntries(testSet.featureNames.map((n, f) => [n, testSet.X[i * nf + f]!])));
      const res = await app.inject({ method: 'POST', url: '/v1/models/tflayout/predict?version=1', payload: { instances } });
      assert.equal(res.statusCode, 200, res.body);
      res.json().predictions.forEach((p: { probabilities: Record<string, number> }, i: number) => {
        testSet.classes.forEach((c, k) => assert.ok(Math.abs(p.probabilities[c]! - got[i * testSet.classes.length + k]!) < 1e-6, `row ${i} ${c}`));
      });
    } finally {
      lm.dispose();
    }
    // Without a key the loader gets the 401 and tfjs raises, so the route is not open by accident.
    await assert.rejects(tf.loadLayersModel(`${base}/v1/models/tflayout/versions/1/artifacts/tfjs/model.json`));
  });

  it('serving with runtime tfjs reads the stored layout (same numbers)', async () => {
    const version = await getVersion(t.db, 'tflayout', '1');
    const served = await loadServedVersion(t.db, version, { runtime: 'tfjs' });
    try {
      assert.equal(served.runtime, 'tfjs');
      const got = await served.predict(testSet.X, testSet.nRows);
      assert.ok((await worstAgainstStored(t, version.id, testSet, got)) < 1e-6);
    } finally {
      await served.release();
    }
  });

  it('`sharpline models artifact … tfjs --dir` writes model.json + weights.bin with their sha256; a plain static server over that folder loads in tfjs', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    const out = join(dir, 'tfjs');
    const cli = spawnSync(process.execPath, [BIN, 'models', 'artifact', 'tflayout', '1', 'tfjs', '--dir', out, '--json'], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const printed = JSON.parse(cli.stdout) as { files: Array<{ name: string; sha256: string; storedSha256: string; out: string }> };
    assert.deepEqual(readdirSync(out).sort(), ['model.json', 'weights.bin']);
    for (const f of printed.files) {
      assert.equal(createHash('sha256').update(readFileSync(f.out)).digest('hex'), f.sha256);
      assert.equal(f.sha256, f.storedSha256);
    }
    const neither = spawnSync(process.execPath, [BIN, 'models', 'artifact', 'tflayout', '1', 'tfjs'], { encoding: 'utf8', env, timeout: 120_000 });
    assert.notEqual(neither.status, 0);
    const server: Server = createServer((req, res) => {
      const name = (req.url ?? '').replace(/^\//, '');
      if (!['model.json', 'weights.bin'].includes(name)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(readFileSync(join(out, name)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const { tf } = await initTf();
      const lm = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      try {
        const version = await getVersion(t.db, 'tflayout', '1');
        assert.ok((await worstAgainstStored(t, version.id, testSet, predictTfjs(tf, lm, testSet))) < 1e-6);
      } finally {
        lm.dispose();
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
