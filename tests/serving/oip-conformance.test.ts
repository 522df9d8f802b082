import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { predictProba } from '../../models/index.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { createServingApp, registerTestModel, type RegisteredTestModel } from './support.ts';

/**
 * The Open Inference Protocol (KServe "Predict Protocol - Version 2", HTTP/REST), point by point:
 * each test names the section of the specification it checks. The JSON objects below are the
 * specification's, written as schemas from its text ($metadata_server_response, $metadata_tensor ...).
 */
const Parameters = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));
const TensorData: TSchema = Type.Array(Type.Unknown());
const SPEC = {
  metadata_server_response: Type.Object({ name: Type.String(), version: Type.String(), extensions: Type.Array(Type.String()) }),
  metadata_tensor: Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) }),
  metadata_model_response: Type.Object({
    name: Type.String(),
    versions: Type.Optional(Type.Array(Type.String())),
    platform: Type.String(),
    inputs: Type.Array(Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) })),
    outputs: Type.Array(Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) })),
  }),
  inference_response: Type.Object({
    model_name: Type.String(),
    model_version: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    outputs: Type.Array(Type.Object({ name: Type.String(), shape: Type.Array(Type.Integer({ minimum: 0 })), datatype: Type.String(), parameters: Type.Optional(Parameters), data: TensorData })),
  }),
  // Every error object of the protocol: { "error": $string }, nothing a typed client cannot decode.
  error_response: Type.Object({ error: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
};
/** The protocol's tensor data types (section "Tensor Data Types"). */
const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

function conforms(schema: TSchema, value: unknown, what: string): void {
  const errors = [...Value.Errors(schema, value)].map((e) => `${e.path} ${e.message}`);
  assert.deepEqual(errors, [], `${what}: ${JSON.stringify(value)}`);
}

describe('Open Inference Protocol V2 (KServe), point by point from the specification', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let reg: RegisteredTestModel;
  let X: number[];

  const infer = (payload: unknown, url = '/v2/models/oip/infer') => app.inject({ method: 'POST', url, payload: payload as object });
  const row = () => ({ name: 'features', shape: [1, 5], datatype: 'FP32', data: X.slice(0, 5) });
  const isError = (res: { statusCode: number; json: () => unknown }, status: number, what: string) => {
    assert.equal(res.statusCode, status, what);
    conforms(SPEC.error_response, res.json(), what);
  };

  beforeAll(async () => {
    t = await createTestPgDb('t20_oip');
    reg = await registerTestModel(t.db, { model: 'oip', seed: 41 });
    await registerTestModel(t.db, { model: 'oip', seed: 42, alias: null, pending: true });
    ({ app, ctx } = await createServingApp(t.db));
    await ctx.serving.cache.start();
    X = Array.from(reg.testX.subarray(0, 15));
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  describe('Health', () => {
    it('Server Live: GET v2/health/live answers 200', async () => {
      assert.equal((await app.inject('/v2/health/live')).statusCode, 200);
    });
    it('Server Ready: GET v2/health/ready answers 200 when ready', async () => {
      assert.equal((await app.inject('/v2/health/ready')).statusCode, 200);
    });
    it('Server Ready: a server that is not ready answers a 4xx (not a 5xx)', async () => {
      // A server whose database is gone is not ready.
      const gone = await createTestPgDb('t20_oip_gone');
      const cold = await createServingApp(gone.db);
      try {
        await gone.db.close();
        const res = await cold.app.inject('/v2/health/ready');
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, String(res.statusCode));
        assert.equal(res.json().ready, false);
        assert.equal(typeof res.json().error, 'string');
      } finally {
        await cold.app.close();
        await cold.ctx.serving.close();
        await gone.drop().catch(() => undefined);
      }
    });
    it('Model Ready: 200 for a ready model, with and without a version in the URL (the server chooses one)', async () => {
      assert.equal((await app.inject('/v2/models/oip/ready')).statusCode, 200);
      assert.equal((await app.inject('/v2/models/oip/versions/1/ready')).statusCode, 200);
    });
    it('Model Ready: a version that is not ready answers a 4xx', async () => {
      const res = await app.inject('/v2/models/oip/versions/2/ready');
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, String(res.statusCode));
    });
    it('Model Ready: an unknown model or version answers a 4xx', async () => {
      for (const url of ['/v2/models/nope/ready', '/v2/models/oip/versions/9/ready']) {
        const res = await app.inject(url);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} ${res.statusCode}`);
      }
    });
  });

  describe('Server Metadata', () => {
    it('GET v2 answers 200 with $metadata_server_response { name, version, extensions }', async () => {
      const res = await app.inject('/v2');
      assert.equal(res.statusCode, 200, res.body);
      conforms(SPEC.metadata_server_response, res.json(), 'GET /v2');
      assert.equal(res.json().name, 'sharpline');
    });
    it('a failed server metadata request has an error status and $metadata_server_error_response { error: $string }', async () => {
      isError(await app.inject({ url: '/v2', headers: { authorization: '' } }), 401, 'GET /v2 without a key');
    });
  });

  describe('Model Metadata', () => {
    it('GET v2/models/<name> answers 200 with $metadata_model_response; tensors are $metadata_tensor with -1 for variable dimensions', async () => {
      const res = await app.inject('/v2/models/oip');
      assert.equal(res.statusCode, 200);
      const body = res.json();
      conforms(SPEC.metadata_model_response, body, 'model metadata');
      assert.equal(body.name, 'oip');
      for (const tensor of [...body.inputs, ...body.outputs]) {
        conforms(SPEC.metadata_tensor, tensor, 'tensor');
        assert.ok(DATATYPES.includes(tensor.datatype), tensor.datatype);
        assert.equal(tensor.shape[0], -1, 'the batch dimension is variable');
      }
    });
    it('"versions" lists versions that may be requested via the versioned endpoint', async () => {
      const body = (await app.inject('/v2/models/oip')).json();
      for (const v of body.versions) assert.equal((await app.inject(`/v2/models/oip/versions/${v}`)).statusCode, 200);
    });
    it('GET v2/models/<name>/versions/<v> describes that version', async () => {
      const res = await app.inject('/v2/models/oip/versions/1');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().versions, ['1']);
    });
    it('a failed model metadata request has an error status and $metadata_model_error_response { error: $string }', async () => {
      isError(await app.inject('/v2/models/nope'), 404, 'unknown model');
      isError(await app.inject('/v2/models/oip/versions/9'), 404, 'unknown version');
    });
  });

  describe('Inference', () => {
    it('POST v2/models/<name>/infer answers 200 with $inference_response; output shape and data describe the whole batch', async () => {
      const res = await infer({ inputs: [{ name: 'features', shape: [3, 5], datatype: 'FP32', data: X }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers['content-type'] as string, /^application\/json/);
      const body = res.json();
      conforms(SPEC.inference_response, body, 'inference response');
      assert.equal(body.model_name, 'oip');
      const [out] = body.outputs;
      assert.deepEqual(out.shape, [3, 3]);
      assert.equal(out.data.length, 9);
      assert.ok(DATATYPES.includes(out.datatype));
      const expected = predictProba(reg.model, reg.testX.subarray(0, 15), 3);
      out.data.forEach((v: number, i: number) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `data[${i}]`));
    });
    it('"id": if specified, the identifier is returned in the response; it is optional', async () => {
      assert.equal((await infer({ id: '42', inputs: [row()] })).json().id, '42');
      const res = await infer({ inputs: [row()] });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().id, undefined);
    });
    it('"model_version" is the version used, and the versioned URL uses that version', async () => {
      assert.equal((await infer({ inputs: [row()] })).json().model_version, '1');
      const res = await infer({ inputs: [row()] }, '/v2/models/oip/versions/1/infer');
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().model_version, '1');
    });
    it('Tensor Data: the natural multi-dimensional representation and the flattened one give the same answer', async () => {
      const flat = await infer({ inputs: [{ name: 'features', shape: [3, 5], datatype: 'FP32', data: X }] });
      const nested = await infer({ inputs: [{ name: 'features', shape: [3, 5], datatype: 'FP32', data: [X.slice(0, 5), X.slice(5, 10), X.slice(10, 15)] }] });
      assert.equal(nested.statusCode, 200, nested.body);
      assert.deepEqual(nested.json().outputs, flat.json().outputs);
    });
    it('"outputs": requested outputs are returned; absent, all outputs are returned', async () => {
      const asked = await infer({ inputs: [row()], outputs: [{ name: 'probabilities' }] });
      assert.equal(asked.statusCode, 200, asked.body);
      assert.deepEqual(asked.json().outputs.map((o: { name: string }) => o.name), ['probabilities']);
      const all = (await infer({ inputs: [row()] })).json();
      assert.deepEqual(all.outputs.map((o: { name: string }) => o.name), ['probabilities']);
    });
    it('"outputs": an output the model does not produce is an error (400 with $inference_error_response)', async () => {
      const res = await infer({ inputs: [row()], outputs: [{ name: 'logits' }] });
      isError(res, 400, 'unknown output');
      assert.match(res.json().error, /logits/);
    });
    it('Parameters: $parameter values are $string | $number | $boolean, on the request, an input and an output', async () => {
      const ok = await infer({ parameters: { a: 'x', b: 1, c: true }, inputs: [{ ...row(), parameters: { binary_data: false } }], outputs: [{ name: 'probabilities', parameters: { n: 2 } }] });
      assert.equal(ok.statusCode, 200, ok.body);
      isError(await infer({ parameters: { a: { nested: 1 } }, inputs: [row()] }), 400, 'object parameter');
    });
    it('$request_input needs name, shape, datatype and data; "inputs" is required', async () => {
      isError(await infer({}), 400, 'no inputs');
      for (const drop of ['name', 'shape', 'datatype', 'data'] as const) {
        const input: Record<string, unknown> = row();
        delete input[drop];
        isError(await infer({ inputs: [input] }), 400, `input without ${drop}`);
      }
    });
    it('"shape": each dimension is an unsigned integer, and shape and data must agree', async () => {
      isError(await infer({ inputs: [{ ...row(), shape: [-1, 5] }] }), 400, 'negative dimension');
      isError(await infer({ inputs: [{ ...row(), shape: [1.5, 5] }] }), 400, 'fractional dimension');
      isError(await infer({ inputs: [{ ...row(), shape: [2, 5] }] }), 400, 'shape larger than the data');
    });
    it('all strings are case-sensitive: "fp32" is not a datatype and "Features" is not the input', async () => {
      isError(await infer({ inputs: [{ ...row(), datatype: 'fp32' }] }), 400, 'lower-case datatype');
      isError(await infer({ inputs: [{ ...row(), name: 'Features' }] }), 400, 'input name in another case');
    });
    it('an element of the wrong type is an error (the server may coerce or refuse; it must not answer 200 with garbage)', async () => {
      isError(await infer({ inputs: [{ ...row(), data: [1, 2, 'x', 4, 5] }] }), 400, 'string element');
    });
    it('a failed inference request has an error status and $inference_error_response: unknown model, version not ready, bad JSON, no such route', async () => {
      isError(await infer({ inputs: [row()] }, '/v2/models/nope/infer'), 404, 'unknown model');
      isError(await infer({ inputs: [row()] }, '/v2/models/oip/versions/2/infer'), 409, 'version not ready');
      isError(await app.inject({ method: 'POST', url: '/v2/models/oip/infer', payload: '{"inputs": [', headers: { 'content-type': 'application/json' } }), 400, 'bad JSON');
      isError(await app.inject('/v2/models/oip/nothing-here'), 404, 'no such route');
    });
  });

  describe('Tensor Data: a batch as one flat array (row-major, shape [n, features])', () => {
    const N = 1000;
    /** N rows cycling through the stored test set, flat and row-major. */
    const batch = () => Array.from({ length: N * 5 }, (_, i) => reg.testX[i % (reg.testRows * 5)]!);

    it('a 1,000-row FP32 tensor answers [1000, nClasses] row-major: row r is the /v1 prediction of row r', async () => {
      const data = batch();
      const res = await infer({ inputs: [{ name: 'features', shape: [N, 5], datatype: 'FP32', data }] });
      assert.equal(res.statusCode, 200, res.body.slice(0, 300));
      const body = res.json();
      conforms(SPEC.inference_response, body, 'inference response');
      const [out] = body.outputs;
      assert.deepEqual([out.name, out.datatype, out.shape, out.data.length], ['probabilities', 'FP32', [N, 3], N * 3]);
      const names = ['f0', 'f1', 'f2', 'f3', 'f4'];
      const instances = Array.from({ length: N }, (_, r) => Object.fromEntries(names.map((n, f) => [n, data[r * 5 + f]!])));
      const v1 = await app.inject({ method: 'POST', url: '/v1/models/oip/predict', payload: { instances } });
      assert.equal(v1.statusCode, 200, v1.body.slice(0, 300));
      const predictions = v1.json().predictions as Array<{ probabilities: Record<string, number> }>;
      for (let r = 0; r < N; r += 97) {
        assert.deepEqual(out.data.slice(r * 3, r * 3 + 3), ['home', 'draw', 'away'].map((c) => predictions[r]!.probabilities[c]), `row ${r}`);
      }
      const expected = predictProba(reg.model, Float32Array.from(data), N);
      out.data.forEach((v: number, i: number) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `data[${i}]`));
    });
    it('FP64 is accepted and gives the FP32 answer for values a float32 holds', async () => {
      const data = batch().slice(0, 50 * 5);
      const fp32 = await infer({ inputs: [{ name: 'features', shape: [50, 5], datatype: 'FP32', data }] });
      const fp64 = await infer({ inputs: [{ name: 'features', shape: [50, 5], datatype: 'FP64', data }] });
      assert.equal(fp64.statusCode, 200, fp64.body);
      assert.deepEqual(fp64.json().outputs, fp32.json().outputs);
    });
    it('a flat array that does not fill its shape exactly, or rows of the wrong width, are 400s naming the counts', async () => {
      const data = batch().slice(0, 10 * 5);
      const short = await infer({ inputs: [{ name: 'features', shape: [11, 5], datatype: 'FP32', data }] });
      isError(short, 400, 'data shorter than the shape');
      assert.match(short.json().error, /50 values.*55/);
      isError(await infer({ inputs: [{ name: 'features', shape: [9, 5], datatype: 'FP32', data }] }), 400, 'data longer than the shape');
      isError(await infer({ inputs: [{ name: 'features', shape: [10, 6], datatype: 'FP32', data }] }), 400, 'rows of 6 for a 5-feature model');
      isError(await infer({ inputs: [{ name: 'features', shape: [5, 10], datatype: 'FP32', data }] }), 400, 'the transposed shape');
    });
    it('a bad element of a large flat batch is named by its row and feature', async () => {
      const data: unknown[] = batch();
      data[777 * 5 + 3] = null;
      const res = await infer({ inputs: [{ name: 'features', shape: [N, 5], datatype: 'FP32', data }] });
      isError(res, 400, 'null element');
      assert.match(res.json().error, /row 777, feature f3/);
    });
    it('more rows than SHARPLINE_MAX_PREDICT_ROWS is a 413 before any work', async () => {
      const max = ctx.config.maxPredictRows;
      const res = await infer({ inputs: [{ name: 'features', shape: [max + 1, 5], datatype: 'FP32', data: [] }] });
      isError(res, 413, 'too many rows');
    });
  });

  it('the OpenAPI document gives every /v2 error response the protocol\'s error object', async () => {
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>> };
    const v2 = Object.entries(doc.paths).filter(([p]) => p === '/v2' || p.startsWith('/v2/'));
    assert.ok(v2.length >= 9);
    for (const [path, ops] of v2) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          const ref = response.content?.['application/json']?.schema.$ref;
          if (Number(status) >= 400 && ref) assert.notEqual(ref, '#/components/schemas/ErrorBody', `${method} ${path} ${status}`);
        }
      }
    }
  });
});
