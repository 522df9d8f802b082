/**
 * The float32 onnxruntime exact engine (models/explain/onnx-exact.ts) against the float64 exact
 * engine on small random ReLU networks: every Shapley value within 1e-5 (float32 coalition
 * values; measured ~1e-8 on these models), additivity exact, for both output kinds and spaces,
 * with groups, and the fallback when the model has no network form.
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { createAsyncExplainer, createExplainer, explainableModelOf, selectBackground } from '../../../models/index.ts';
import { coalitionGraph } from '../../../models/explain/onnx-exact.ts';
import { assertFallsBackToJs, assertOnnxMatchesFloat64, gaussianMatrix, maxDiff, ONNX_TOLERANCE, randomNetwork } from './fixtures.ts';

const cases = [
  { hidden: [16, 8], classes: 3, groups: undefined },
  { hidden: [12], classes: 3, groups: [[0, 1], [4, 6]] },
  { hidden: [10, 6], classes: 2, groups: undefined },
  { hidden: [8, 6, 4], classes: 3, groups: undefined },
];

describe('onnxruntime exact SHAP equals the float64 exact engine', () => {
  for (const [seed, { hidden, classes, groups }] of cases.entries()) {
    for (const space of ['probability', 'logodds'] as const) {
      it(`hidden [${hidden}], ${classes} classes, ${space}${groups ? ', grouped' : ''}`, async () => {
        const d = 7;
        const model = explainableModelOf(randomNetwork(d, hidden, classes, seed + 1));
        const X = gaussianMatrix(60, d, 100 + seed);
        const background = selectBackground(X, 60, d, { size: 25, seed: 2 });
        const options = { background, engine: 'exact' as const, outputSpace: space, ...(groups ? { groups } : {}) };
        await assertOnnxMatchesFloat64(model, options, gaussianMatrix(3, d, 200 + seed), 3, (want, got) => {
          assert.deepEqual(got.outputs.map((o) => o.prediction), want.outputs.map((o) => o.prediction));
        });
      });
    }
  }

  it('logits far past float32 exp range (hundreds): finite values, equal to float64', async () => {
    // The softmax runs on logits less their row's max; without that, exp overflows to ∞ and ∞ / ∞ is NaN.
    const d = 6;
    const net = randomNetwork(d, [10, 6], 3, 11);
    const last = net.layers[net.layers.length - 1]!;
    last.weights = last.weights.map((w) => w * 120);
    last.bias = last.bias.map((b) => b * 120 + 100);
    const model = explainableModelOf(net);
    const background = selectBackground(gaussianMatrix(60, d, 12), 60, d, { size: 20, seed: 2 });
    const rows = gaussianMatrix(3, d, 13);
    await assertOnnxMatchesFloat64(model, { background, engine: 'exact' }, rows, 3, (_want, got) => {
      assert.ok(got.phi.every(Number.isFinite), 'finite');
    });
  });

  it('two players and eleven (the full game splits its players into halves of 1 + 1 and 5 + 6)', async () => {
    for (const d of [2, 11]) {
      const model = explainableModelOf(randomNetwork(d, [9, 5], 3, 40 + d));
      const background = selectBackground(gaussianMatrix(80, d, 41 + d), 80, d, { size: 30, seed: 2 });
      await assertOnnxMatchesFloat64(model, { background, engine: 'exact' }, gaussianMatrix(2, d, 42 + d), 2);
    }
  });

  it('calls made at once (rows sharing the scratch buffers) give what calls one after another give', async () => {
    const d = 8;
    const model = explainableModelOf(randomNetwork(d, [12, 6], 3, 31));
    const background = selectBackground(gaussianMatrix(80, d, 32), 80, d, { size: 40, seed: 2 });
    const rows = gaussianMatrix(6, d, 33);
    const want = createExplainer(model, { background, engine: 'exact' }).explainRows(rows, 6);
    const fast = await createAsyncExplainer(model, { background, engine: 'exact' });
    try {
      assert.equal(fast.asyncEngine, 'onnxruntime');
      const sequential = [];
      for (let r = 0; r < 6; r++) sequential.push((await fast.explainRowsAsync(rows.slice(r * d, (r + 1) * d), 1))[0]!);
      const atOnce = await Promise.all(Array.from({ length: 6 }, (_, r) => fast.explainRowsAsync(rows.slice(r * d, (r + 1) * d), 1).then((e) => e[0]!)));
      for (let r = 0; r < 6; r++) {
        assert.deepEqual(Array.from(atOnce[r]!.phi), Array.from(sequential[r]!.phi), `row ${r}`);
        assert.ok(maxDiff(atOnce[r]!.phi, want[r]!.phi) <= ONNX_TOLERANCE, `row ${r} against float64`);
      }
    } finally {
      await fast.release();
    }
  });

  it('falls back to the JavaScript engine for a model without a network form', async () => {
    await assertFallsBackToJs({ engine: 'exact' });
  });
});

describe('the coalition graph sums its blocks in float64', () => {
  it('one run of three blocks returns one table, bit-equal to the float64 sum of the blocks run alone', async () => {
    // The Scan's state adds each block's float32 table in float64, block 0 first (what the engine
    // did in JavaScript before); the run returns one nOut·2^M table, not one per block.
    const ort = await import('onnxruntime-node');
    const M = 6;
    const nOut = 3;
    const k = 2;
    const net = explainableModelOf(randomNetwork(M, [8, 5], nOut, 71)).network!;
    const h1 = net.layers[0]!.outSize;
    const session = await ort.InferenceSession.create(coalitionGraph(net, M, nOut, 'probability', true), { intraOpNumThreads: 1 });
    try {
      const nBlocks = 3;
      const bt = Float32Array.from(gaussianMatrix(nBlocks * (M + 1), k * h1, 72));
      const w = Float32Array.from({ length: nBlocks * k }, (_, i) => 0.05 + 0.01 * i);
      const nv = nOut << M;
      const run = async (from: number, count: number): Promise<Float64Array> => {
        const out = await session.run({
          V0: new ort.Tensor('float64', new Float64Array(nv), [nv, 1]),
          BtAll: new ort.Tensor('float32', bt.slice(from * (M + 1) * k * h1, (from + count) * (M + 1) * k * h1), [count, M + 1, k * h1]),
          wAll: new ort.Tensor('float32', w.slice(from * k, (from + count) * k), [count, k, 1]),
          shapeByRow: new ort.Tensor('int64', BigInt64Array.from([BigInt(nv), BigInt(k)]), [2]),
        });
        assert.equal(out.VSum.type, 'float64');
        assert.deepEqual(out.VSum.dims, [nv, 1]);
        return out.VSum.data as Float64Array;
      };
      const together = await run(0, nBlocks);
      const sum = new Float64Array(nv);
      for (let q = 0; q < nBlocks; q++) {
        const alone = await run(q, 1);
        for (let i = 0; i < nv; i++) sum[i] += alone[i]!;
      }
      assert.deepEqual(Array.from(together), Array.from(sum));
      // Each block's table is float32 (weighted sums of k rows); their sum carries float64 bits.
      assert.ok(together.some((v) => Math.fround(v) !== v), 'the sum is not rounded to float32');
    } finally {
      await session.release();
    }
  });
});
