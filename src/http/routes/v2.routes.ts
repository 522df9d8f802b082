import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { OPENAPI_DOCUMENT } from '../openapi.ts';
import { resolveServedVersion } from '../../services/index.ts';
import { AppError, isAppError } from '../../../core/index.ts';
import { isModelNumber, predictRows, type ServedVersion, type VersionSelector } from '../../serving/index.ts';
import {
  V2InferBody,
  V2InferResponse,
  V2Live,
  V2ModelMetadata,
  V2ModelParams,
  V2ModelReady,
  V2NotReady,
  V2Ready,
  V2ServerMetadata,
  V2VersionParams,
} from './predict.schemas.ts';

/** Tensor names of the exported graph (models/onnx-export.ts): the V2 names are the same. */
const INPUT_NAME = 'features';
const OUTPUT_NAME = 'probabilities';

async function served(app: AppInstance, name: string, v: string | undefined): Promise<ServedVersion> {
  const found = resolveServedVersion(app.ctx, { model: name, ref: v });
  return found instanceof Promise ? await found : found;
}

function metadata(s: ServedVersion) {
  return {
    name: s.model,
    versions: [String(s.version)],
    platform: s.runtime === 'onnx' ? 'onnxruntime_onnx' : 'tensorflow_js',
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, s.featureNames.length] }],
    outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, s.classes.length] }],
    parameters: { feature_names: [...s.featureNames], classes: [...s.classes], version: s.version, runtime: s.runtime },
  };
}

type InferBody = { id?: string; inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }>; outputs?: Array<{ name: string }> };

/**
 * Checks the outputs a request asked for (absent or empty: all of them) are ones the model produces.
 * @throws MODEL_INPUT_INVALID naming an output the model does not have.
 */
function checkRequestedOutputs(s: ServedVersion, body: InferBody): void {
  const names = body.outputs?.map((o) => o.name) ?? [];
  const unknown = names.filter((n) => n !== OUTPUT_NAME);
  if (unknown.length) {
    throw new AppError('MODEL_INPUT_INVALID', `unknown output${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; the model's output is "${OUTPUT_NAME}"`, { details: { model: s.model, version: s.version, outputs: unknown } });
  }
}

/**
 * Packs a V2 input tensor: shape [n, nFeatures] (or [nFeatures] for one row), data flat
 * row-major or nested, every value a finite number within float32 range.
 * @throws MODEL_INPUT_INVALID naming the problem.
 */
function packTensor(s: ServedVersion, body: InferBody, maxRows: number): { X: Float64Array; nRows: number } {
  const invalid = (message: string, details: Record<string, unknown>) => new AppError('MODEL_INPUT_INVALID', message, { details: { model: s.model, version: s.version, ...details } });
  if (body.inputs.length !== 1) throw invalid(`expected one input tensor "${INPUT_NAME}", got ${body.inputs.length}`, { inputs: body.inputs.map((i) => i.name) });
  const input = body.inputs[0]!;
  if (input.name !== INPUT_NAME) throw invalid(`unknown input "${input.name}"; the model's input is "${INPUT_NAME}"`, { input: input.name });
  if (!['FP32', 'FP64'].includes(input.datatype)) throw invalid(`datatype ${input.datatype} is not supported; use FP32 or FP64`, { datatype: input.datatype });
  const nf = s.featureNames.length;
  const shape = input.shape;
  const nRows = shape.length === 1 ? 1 : shape[0]!;
  if (!((shape.length === 1 && shape[0] === nf) || (shape.length === 2 && shape[1] === nf && nRows >= 1))) {
    throw invalid(`shape must be [n, ${nf}] (or [${nf}]), got [${shape.join(', ')}]`, { shape, featureNames: s.featureNames });
  }
  if (nRows > maxRows) throw new AppError('PAYLOAD_TOO_LARGE', `${nRows} rows exceed the limit of ${maxRows} per request`, { details: { rows: nRows, max: maxRows } });
  const flat = input.data.length > 0 && Array.isArray(input.data[0]) ? (input.data as unknown[]).flat(2) : input.data;
  if (flat.length !== nRows * nf) throw invalid(`data has ${flat.length} values; shape [${nRows}, ${nf}] needs ${nRows * nf}`, { values: flat.length, expected: nRows * nf });
  const X = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || v - v !== 0) {
      throw invalid(`data[${i}] (row ${Math.floor(i / nf)}, feature ${s.featureNames[i % nf]}) is not a finite number`, { index: i, row: Math.floor(i / nf), feature: s.featureNames[i % nf] });
    }
    if (!isModelNumber(v)) {
      throw invalid(`data[${i}] (row ${Math.floor(i / nf)}, feature ${s.featureNames[i % nf]}) is ${v}, outside the model's float32 range (|v| <= 3.4028234663852886e38)`, { index: i, row: Math.floor(i / nf), feature: s.featureNames[i % nf], problem: 'out-of-range' });
    }
    X[i] = v;
  }
  return { X, nRows };
}

/** KServe / Open Inference Protocol V2 over the same model cache as /v1. */
export async function v2Routes(app: AppInstance): Promise<void> {
  app.get('/v2', {
    schema: { tags: ['v2'], summary: 'V2 server metadata: name, version and the protocol extensions supported (none).', response: { 200: V2ServerMetadata } },
  }, async () => ({ name: 'sharpline', version: OPENAPI_DOCUMENT.info.version, extensions: [] }));

  app.get('/v2/health/live', { schema: { tags: ['v2'], summary: 'V2 server liveness.', response: { 200: V2Live } } }, async () => ({ live: true }));

  app.get('/v2/health/ready', {
    schema: { tags: ['v2'], summary: 'V2 server readiness: champions loaded and the database answers (200), else 400 { ready: false } (the protocol: a 4xx means false).', response: { 200: V2Ready, 400: V2NotReady } },
  }, async (_request, reply) => {
    let problem = app.ctx.serving.cache.started ? undefined : 'the model cache has not loaded the champions yet';
    if (!problem) {
      try {
        await app.ctx.db.query('SELECT 1');
      } catch {
        problem = 'the database does not answer';
      }
    }
    return problem ? reply.status(400).send({ error: `not ready: ${problem}`, ready: false }) : reply.send({ ready: true });
  });

  const metaSchema = <P extends TSchema>(params: P) => ({
    tags: ['v2'],
    summary: 'V2 model metadata: input and output tensors with datatypes and shapes, feature names and classes.',
    params,
    response: { 200: V2ModelMetadata, ...errorResponses(404, 409) },
  });
  app.get('/v2/models/:name', { schema: metaSchema(V2ModelParams) }, async (request) => metadata(await served(app, request.params.name, undefined)));
  app.get('/v2/models/:name/versions/:v', { schema: metaSchema(V2VersionParams) }, async (request) => metadata(await served(app, request.params.name, request.params.v)));

  const readySchema = <P extends TSchema>(params: P) => ({
    tags: ['v2'],
    summary: 'V2 model readiness: 200 { ready: true }; 400 { ready: false } for a version that is not READY (the protocol: a 4xx means false); 404 when unknown.',
    params,
    response: { 200: V2ModelReady, 400: V2NotReady, ...errorResponses(404) },
  });
  const modelReady = async (name: string, v: string | undefined, reply: FastifyReply) => {
    try {
      const s = await served(app, name, v);
      return reply.send({ name, version: String(s.version), ready: true });
    } catch (error) {
      if (isAppError(error) && error.code === 'MODEL_VERSION_NOT_READY') return reply.status(400).send({ error: error.message, name, ...(v === undefined ? {} : { version: v }), ready: false });
      throw error;
    }
  };
  app.get('/v2/models/:name/ready', { schema: readySchema(V2ModelParams) }, async (request, reply) => modelReady(request.params.name, undefined, reply));
  app.get('/v2/models/:name/versions/:v/ready', { schema: readySchema(V2VersionParams) }, async (request, reply) => modelReady(request.params.name, request.params.v, reply));

  const inferSchema = <P extends TSchema>(params: P) => ({
    tags: ['v2'],
    summary: 'V2 inference: input "features" [n, nFeatures] FP32/FP64 → output "probabilities" [n, nClasses].',
    params,
    body: V2InferBody,
    response: { 200: V2InferResponse, ...errorResponses(400, 404, 409, 413, 422) },
  });
  const infer = async (name: string, v: string | undefined, body: InferBody) => {
    const { serving, config } = app.ctx;
    const s = await served(app, name, v);
    checkRequestedOutputs(s, body);
    const { X, nRows } = packTensor(s, body, config.maxPredictRows);
    const out = await predictRows(s, X, nRows, (r) => `row ${r}`);
    serving.metrics.countPredictions(s.model, s.version, nRows);
    return {
      model_name: s.model,
      model_version: String(s.version),
      ...(body.id === undefined ? {} : { id: body.id }),
      outputs: [{ name: OUTPUT_NAME, shape: [nRows, s.classes.length], datatype: 'FP32', data: Array.from(out) }],
    };
  };
  // Batches: the larger bound (every other route has the small default, http/edge.ts).
  const bodyLimit = app.ctx.config.edge.predictBodyLimitBytes;
  app.post('/v2/models/:name/infer', { schema: inferSchema(V2ModelParams), bodyLimit }, async (request) => infer(request.params.name, undefined, request.body));
  app.post('/v2/models/:name/versions/:v/infer', { schema: inferSchema(V2VersionParams), bodyLimit }, async (request) => infer(request.params.name, request.params.v, request.body));
}
