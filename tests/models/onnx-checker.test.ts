import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnnxPredictor, exportToOnnx, train, trainTfjs, type DenseModel } from '../../models/index.ts';
import { bettingLike } from '../support/fixtures.ts';

/** Debian's interpreter, where python3-onnx installs (`apt-get install python3-onnx`; .ci/run does). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./onnx_check.py', import.meta.url));
const HAS_ONNX = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const SKIP = HAS_ONNX ? '' : ` (skipped: ${PYTHON} cannot import onnx; \`apt-get install python3-onnx\` gives it, .ci/run installs it)`;

const data = bettingLike;

interface Checked {
  ok: boolean;
  error?: string;
  opset?: number[];
  ops?: string[];
  probabilities?: number[][];
}

/**
 * Every family the registry stores an ONNX graph for: the dense trainer's logistic and MLP (2 and 3
 * classes, anchored), and a Dense-only `algo: "tfjs"` network (its dense form is what ONNX serves).
 */
const cases: Array<[string, 2 | 3, () => Promise<DenseModel>]> = [
  ['logistic, 3-way', 3, async () => (await train(data(1200, 3, 3), { algo: 'logistic', epochs: 5 })).model],
  ['logistic, 2-way', 2, async () => (await train(data(1200, 2, 4), { algo: 'logistic', epochs: 5 })).model],
  ['mlp 16-8, 3-way', 3, async () => (await train(data(1200, 3, 5), { algo: 'mlp', hidden: [16, 8], epochs: 4 })).model],
  ['anchored mlp 8, 3-way', 3, async () => (await train(data(1200, 3, 6), { algo: 'mlp', hidden: [8], epochs: 3, anchor: ['f1', '', 'f2'], anchorL2: [0.01], anchorSelection: 'mean' })).model],
  ['algo tfjs, Dense-only', 3, async () => {
    const spec = { model: { class_name: 'Sequential' as const, config: { layers: [{ class_name: 'Dense', config: { units: 6, activation: 'relu' } }, { class_name: 'Dense', config: { units: 3, activation: 'softmax' } }] } }, epochs: 2, batchSize: 64 };
    const dense = (await trainTfjs(data(600, 3, 7), spec, { seed: 3 })).dense;
    assert.ok(dense, 'a Dense-only tfjs network has a dense form');
    return dense;
  }],
];

describe(`every ONNX graph the registry stores passes the ONNX checker and gives the served probabilities outside onnxruntime${SKIP}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sharpline-onnx-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs onnx_check.py on the bytes (and, given, on rows): its JSON answer and exit status. */
  function check(name: string, bytes: Uint8Array, rows?: { X: Float32Array; n: number; nFeatures: number }): Checked & { status: number | null } {
    const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.onnx`);
    writeFileSync(file, bytes);
    const args = [SCRIPT, file];
    if (rows) {
      writeFileSync(`${file}.f32`, Buffer.from(rows.X.buffer, rows.X.byteOffset, rows.X.byteLength));
      args.push(`${file}.f32`, String(rows.n), String(rows.nFeatures));
    }
    const out = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 60_000 });
    assert.ok(out.stdout.trim(), `onnx_check.py printed nothing: ${out.stderr}`);
    return { ...(JSON.parse(out.stdout) as Checked), status: out.status };
  }

  for (const [name, nClasses, make] of cases) {
    it.skipIf(!HAS_ONNX)(`${name}: onnx.checker (full check) passes; numpy evaluation of the graph equals onnxruntime within 1e-6`, async () => {
      const model = await make();
      const bytes = exportToOnnx(model);
      const probe = data(200, nClasses, 99);
      const checked = check(name, bytes, { X: probe.X, n: probe.nRows, nFeatures: probe.nFeatures });
      assert.equal(checked.status, 0, checked.error);
      assert.ok(checked.ok);
      assert.deepEqual(checked.opset, [13]);
      const session = await createOnnxPredictor(bytes, probe.nFeatures);
      const served = await session.predict(probe.X, probe.nRows);
      await session.release();
      const independent = checked.probabilities!;
      assert.equal(independent.length, probe.nRows);
      let worst = 0;
      independent.forEach((row, r) => {
        assert.equal(row.length, nClasses === 2 ? 2 : 3);
        row.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - served[r * row.length + k]!))));
      });
      assert.ok(worst < 1e-6, `numpy vs onnxruntime: worst difference ${worst}`);
    });
  }

  it.skipIf(!HAS_ONNX)('the checker refuses broken copies: an unknown operator, a node reading a value nothing produces', async () => {
    const bytes = exportToOnnx((await train(data(400, 3, 8), { algo: 'mlp', hidden: [4], epochs: 1 })).model);
    // Same-length substitutions inside the protobuf, so every length prefix stays valid.
    const replaced = (from: string, to: string): Uint8Array => {
      const text = Buffer.from(bytes).toString('latin1');
      assert.ok(text.includes(from), from);
      return Buffer.from(text.split(from).join(to), 'latin1');
    };
    const unknownOp = check('broken-op', replaced('Relu', 'Relv'));
    assert.equal(unknownOp.status, 1);
    assert.match(unknownOp.error!, /Relv/);
    // The first 'h0' is the standardisation's output (nodes come first in the graph): renamed, the
    // first MatMul reads a value no earlier node produces.
    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('h0');
    assert.ok(at > 0 && text.indexOf('h0', at + 2) > at, 'h0 is produced, then read');
    const once = Buffer.from(bytes);
    once.write('hX', at, 'latin1');
    const unproduced = check('broken-edge', once);
    assert.equal(unproduced.status, 1, 'a graph whose producer of h0 is renamed must be refused');
    assert.match(unproduced.error!, /h0/);
  });
});
