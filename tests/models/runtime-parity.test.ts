import { test } from 'vitest';
import assert from 'node:assert/strict';
import {
  createOnnxPredictor,
  exportToOnnx,
  exportToTfjs,
  initTf,
  loadTfjsModel,
  predictProba,
  predictWithTfjs,
  train,
  type TrainParams,
} from '../../models/index.ts';
import { isAppError } from '../../core/errors.ts';
import { bettingLike } from '../support/fixtures.ts';

const cases: Array<[string, 2 | 3, Partial<TrainParams>]> = [
  ['logistic, 3-way', 3, { algo: 'logistic', epochs: 8 }],
  ['logistic, 2-way', 2, { algo: 'logistic', epochs: 8 }],
  ['mlp 16-8, 3-way', 3, { algo: 'mlp', hidden: [16, 8], epochs: 6 }],
  ['mlp 12, 2-way', 2, { algo: 'mlp', hidden: [12], epochs: 6 }],
  // Anchored models fold their offset into plain layers (MLP: ReLU pass-through units): every runtime serves them.
  ['anchored mlp 8-4, 3-way', 3, { algo: 'mlp', hidden: [8, 4], epochs: 4, anchor: ['f1', '', 'f2'], anchorL2: [0.01], anchorSelection: 'mean' }],
  ['anchored logistic, 2-way', 2, { algo: 'logistic', epochs: 4, anchor: ['f2'], anchorL2: [0.01], anchorSelection: 'mean' }],
];

for (const [name, nClasses, params] of cases) {
  test(`pure-TS, tfjs and ONNX predictions agree within 1e-5 (${name})`, async () => {
    const data = bettingLike(1500, nClasses, 17 + nClasses);
    const { model } = await train(data, params);
    const rows = 400;
    const X = data.X.subarray(0, rows * data.nFeatures);
    const reference = predictProba(model, X, rows);
    assert.equal(reference.length, rows * nClasses);

    // tfjs via the stored (JSON round-tripped) artifacts, as a server would load them.
    const artifacts = JSON.parse(JSON.stringify(await exportToTfjs(model)));
    const lm = await loadTfjsModel(artifacts);
    const fromTfjs = predictWithTfjs(lm, X, rows);
    lm.dispose();

    const onnx = exportToOnnx(model);
    const session = await createOnnxPredictor(onnx, data.nFeatures);
    const fromOnnx = await session.predict(X, rows);
    await session.release();

    for (const [runtime, values] of [
      ['tfjs', fromTfjs],
      ['onnx', fromOnnx],
    ] as const) {
      assert.equal(values.length, reference.length, runtime);
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - reference[i]));
      assert.ok(worst < 1e-5, `${runtime} differs by ${worst}`);
    }
  });
}

test('predictWithTfjs does not leak tensors across 100 predictions', async () => {
  const { tf } = await initTf();
  const data = bettingLike(300, 3, 5);
  const { model } = await train(data, { algo: 'mlp', hidden: [8], epochs: 2, validationFraction: 0 });
  const lm = await loadTfjsModel(await exportToTfjs(model));
  predictWithTfjs(lm, data.X.subarray(0, 5 * 5), 5);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) predictWithTfjs(lm, data.X.subarray(0, (1 + (i % 20)) * 5), 1 + (i % 20));
  assert.equal(tf.memory().numTensors, before);
  lm.dispose();
});

test('runtimes reject malformed inputs and artifacts with AppErrors', async () => {
  const data = bettingLike(200, 3, 9);
  const { model } = await train(data, { algo: 'logistic', epochs: 1, validationFraction: 0 });
  const session = await createOnnxPredictor(exportToOnnx(model), 5);
  await assert.rejects(session.predict(new Float32Array(7), 2), (e: unknown) => isAppError(e) && e.code === 'MODEL_INPUT_INVALID');
  await session.release();
  await assert.rejects(createOnnxPredictor(new Uint8Array([1, 2, 3]), 5), (e: unknown) => isAppError(e) && e.code === 'MODEL_FORMAT_INVALID');
  const artifacts = await exportToTfjs(model);
  await assert.rejects(loadTfjsModel({ ...artifacts, format: 'x' as 'tfjs-layers/1' }), (e: unknown) => isAppError(e) && e.code === 'MODEL_FORMAT_INVALID');
  const lm = await loadTfjsModel(artifacts);
  assert.throws(() => predictWithTfjs(lm, new Float32Array(7), 2), (e: unknown) => isAppError(e) && e.code === 'MODEL_INPUT_INVALID');
  lm.dispose();
});

type ProtoField = { field: number; value: bigint | Uint8Array };

/** Minimal protobuf reader (varint and length-delimited fields), independent of the exporter. */
function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) fields.push({ field: key >> 3, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      fields.push({ field: key >> 3, value: bytes.subarray(pos, pos + len) });
      pos += len;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

const one = (fields: ProtoField[], n: number): ProtoField['value'] => fields.find((f) => f.field === n)!.value;
const text = (v: ProtoField['value']): string => Buffer.from(v as Uint8Array).toString('utf8');

test('the ONNX bytes declare IR 8, opset 13 and a symbolic batch dimension', () => {
  const model = {
    format: 'sharpline-dense/1' as const,
    featureNames: ['a', 'b', 'c', 'd', 'e'],
    classes: ['away', 'home'],
    standardization: { mean: [0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1] },
    layers: [{ inputSize: 5, outputSize: 1, weights: [1, 2, 3, 4, 5], bias: [0], activation: 'linear' as const }],
    output: 'sigmoid' as const,
  };
  const top = readFields(exportToOnnx(model));
  assert.equal(one(top, 1), 8n);
  const opset = readFields(one(top, 8) as Uint8Array);
  assert.equal(text(one(opset, 1)), '');
  assert.equal(one(opset, 2), 13n);
  const graph = readFields(one(top, 7) as Uint8Array);
  const ops = graph.filter((f) => f.field === 1).map((f) => text(one(readFields(f.value as Uint8Array), 4)));
  assert.deepEqual(ops, ['Sub', 'Div', 'MatMul', 'Add', 'Sigmoid']);
  const input = readFields(one(graph, 11) as Uint8Array);
  assert.equal(text(one(input, 1)), 'features');
  const tensorType = readFields(one(readFields(one(input, 2) as Uint8Array), 1) as Uint8Array);
  assert.equal(one(tensorType, 1), 1n); // FLOAT
  const dims = readFields(one(tensorType, 2) as Uint8Array).map((d) => readFields(d.value as Uint8Array)[0]);
  assert.deepEqual(dims.map((d) => [d.field, d.field === 2 ? text(d.value) : d.value]), [
    [2, 'N'],
    [1, 5n],
  ]);
  const output = readFields(one(graph, 12) as Uint8Array);
  assert.equal(text(one(output, 1)), 'probabilities');
  const widened = graph
    .filter((f) => f.field === 5)
    .map((f) => readFields(f.value as Uint8Array))
    .find((t) => text(one(t, 8)) === 'W0')!;
  assert.deepEqual(
    widened.filter((f) => f.field === 1).map((f) => f.value),
    [5n, 2n],
  );
  const raw = one(widened, 9) as Uint8Array;
  assert.deepEqual([...new Float32Array(raw.slice().buffer)], [-1, 1, -2, 2, -3, 3, -4, 4, -5, 5]);
});
