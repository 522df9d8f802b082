import type * as Ort from 'onnxruntime-node';
import { AppError } from '../../core/index.ts';
import { ONNX_IR_VERSION, ONNX_OPSET, onnxProto } from '../onnx-export.ts';
import { binomial, shapleyFromTable } from './exact.ts';
import { evaluateBackground, type Prepared } from './prepare.ts';
import type { RawExplanation } from './result.ts';
import { createStructuralContext, shareByPlayer, structuralForm } from './structural.ts';
import type { NetworkForm } from './types.ts';

/**
 * Exact interventional SHAP of a ReLU network through onnxruntime in float32: every coalition
 * against every background row as a few large matrix products (MLAS, SIMD) instead of a
 * JavaScript loop. Same game and same Shapley weights as the float64 exact engine; only the
 * coalition values are rounded to float32 (the empty and full coalitions keep the model's own
 * float64 outputs, so additivity stays exact).
 *
 * The graph, for one block of k background rows (D = x's first-layer share by player minus each
 * background row's, `k × M × h1`, computed in JavaScript):
 *   A = maskLo · D + pre     `k × 2^lo × h1`  (coalitions of the low players, plus b's pre-activation)
 *   C = maskHi · D           `k × 2^hi × h1`  (coalitions of the high players)
 *   P = C[:, :, None] + A[:, None]            every coalition's first-layer pre-activation
 *   Relu → (MatMul → Add → Relu)* → MatMul → Add → Softmax | Sigmoid | none (log-odds, folded into the last layer)
 *   V = w · Y                                 background-weighted coalition values, `1 × 2^M·nOut`
 * The first layer is linear, so splitting the players in two halves costs 2·2^(M/2) products
 * instead of 2^M; the products after the first layer (~210 M multiply-adds at 12 players, 100
 * background rows and a 32-16-3 network) are where the time goes.
 */

/** Float32 entries of the largest intermediate (`k × 2^M × width`) of one run: 2 MB, cache-sized (4 background rows per run at 12 players and 32 units took 28 ms of CPU, 64 rows 45 ms). */
const MAX_BLOCK_ENTRIES = 1 << 19;

export interface OnnxExactEngine {
  readonly base: Float64Array;
  readonly setupCalls: number;
  /** Background rows per onnxruntime run. */
  readonly blockRows: number;
  run(xs: Float64Array, nExplain: number): Promise<RawExplanation[]>;
  release(): Promise<void>;
}

/** Whether {@link createOnnxExactEngine} can explain this prepared game. */
export function onnxExactSupported(p: Prepared): boolean {
  const net = safeForm(p);
  return net !== undefined && net.layers.length >= 2 && p.players.length >= 2 && p.model.nOutputs >= 2;
}

/** The network form when consistent, of any depth, and explaining what `p.fn` computes. */
function safeForm(p: Prepared): NetworkForm | undefined {
  const net = p.model.network;
  if (net === undefined || (p.space === 'logodds' && (p.model.predictLogits !== undefined || p.model.linear !== undefined))) return undefined;
  try {
    structuralForm(p);
  } catch {
    return undefined;
  }
  return net;
}

/**
 * Creates the float32 onnxruntime exact engine (one intra-op thread: a server runs explanations
 * beside predictions).
 *
 * @throws AppError EXPLAINER_UNSUPPORTED when the model has no network form with a hidden layer,
 *   fewer than two players or outputs, or more than 14 players; MODEL_FORMAT_INVALID when
 *   onnxruntime rejects the generated graph.
 */
export async function createOnnxExactEngine(p: Prepared, options: { intraOpNumThreads?: number } = {}): Promise<OnnxExactEngine> {
  const M = p.players.length;
  const net = safeForm(p);
  if (net === undefined || net.layers.length < 2 || M < 2 || M > 14 || p.model.nOutputs < 2) {
    throw new AppError('EXPLAINER_UNSUPPORTED', 'the onnxruntime exact engine needs a ReLU network with a hidden layer, 2 to 14 players and two or more outputs', {
      details: { players: M, layers: net?.layers.length ?? 0, outputs: p.model.nOutputs },
    });
  }
  const { nOutputs: nOut } = p.model;
  const nC = 1 << M;
  const K = p.background.nRows;
  const h1 = net.layers[0].outSize;
  const widest = Math.max(...net.layers.map((l) => l.outSize));
  const blockRows = Math.max(1, Math.min(K, Math.floor(MAX_BLOCK_ENTRIES / (nC * widest))));
  const bg = evaluateBackground(p);
  const ctx = createStructuralContext(p, net);
  const bgShare32 = Float32Array.from(ctx.bgShare);
  const bgPre32 = Float32Array.from(ctx.bgPre);
  const w32 = Float32Array.from(p.background.weights);

  const ort = (await import('onnxruntime-node')) as typeof Ort;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(coalitionGraph(net, M, nOut, p.space), {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'onnxruntime rejected the SHAP coalition graph', { cause, details: { players: M, layers: net.layers.length } });
  }

  const shapleyWeight = new Float64Array(M);
  for (let s = 0; s < M; s++) shapleyWeight[s] = 1 / (M * binomial(M - 1, s));
  const popcount = new Uint8Array(nC);
  for (let m = 1; m < nC; m++) popcount[m] = popcount[m >> 1] + (m & 1);
  const d = p.model.nFeatures;

  const explainOne = async (x: Float64Array, fx: Float64Array): Promise<RawExplanation> => {
    const xShare = shareByPlayer(p, net, x);
    const V = new Float64Array(nOut * nC);
    for (let first = 0; first < K; first += blockRows) {
      const k = Math.min(blockRows, K - first);
      const D = new Float32Array(k * M * h1);
      for (let b = 0; b < k; b++) {
        const o = (first + b) * M * h1;
        for (let i = 0; i < M * h1; i++) D[b * M * h1 + i] = xShare[i] - bgShare32[o + i];
      }
      const feeds = {
        D: new ort.Tensor('float32', D, [k, M, h1]),
        pre: new ort.Tensor('float32', bgPre32.subarray(first * h1, (first + k) * h1), [k, 1, h1]),
        w: new ort.Tensor('float32', w32.subarray(first, first + k), [1, k]),
      };
      const out = await session.run(feeds);
      const values = out.V;
      try {
        const v = values.data as Float32Array;
        // Graph output is coalition-major (m, class); the Shapley pass wants class-major.
        for (let m = 0; m < nC; m++) for (let c = 0; c < nOut; c++) V[c * nC + m] += v[m * nOut + c];
      } finally {
        values.dispose();
      }
    }
    // The empty and full coalitions: the model's own float64 outputs, so Σφ = f(x) − base exactly.
    for (let c = 0; c < nOut; c++) {
      V[c * nC] = bg.base[c];
      V[c * nC + nC - 1] = fx[c];
    }
    return {
      engine: 'exact',
      phi: shapleyFromTable(V, M, nOut, { shapleyWeight, popcount }),
      base: bg.base.slice(),
      prediction: fx,
      approximate: false,
      stats: { modelCalls: 1 + Math.ceil(K / blockRows), modelRows: K * (nC - 2) + 1, coalitions: nC },
    };
  };

  return {
    base: bg.base,
    setupCalls: bg.calls,
    blockRows,
    async run(xs, nExplain) {
      const fx = p.fn(xs.slice(0, nExplain * d), nExplain);
      const results: RawExplanation[] = [];
      for (let e = 0; e < nExplain; e++) results.push(await explainOne(xs.subarray(e * d, (e + 1) * d), fx.slice(e * nOut, (e + 1) * nOut)));
      return results;
    },
    release: () => session.release(),
  };
}

/**
 * The last layer's weights and bias mapped onto the explained outputs: probabilities of a sigmoid
 * network become the pair [−z, z] (then Sigmoid); log-odds become linear maps of the logits,
 * `z − mean(z)` for three or more classes (the centred log-ratio of a softmax), `z_k − z_other` for
 * two, `[−z, z]` for a sigmoid — what `probabilitiesToLogOdds` gives from the probabilities.
 */
export function outputLayer(net: NetworkForm, nOut: number, space: Prepared['space']): { w: Float64Array; b: Float64Array; activation: 'Softmax' | 'Sigmoid' | undefined } {
  const last = net.layers[net.layers.length - 1];
  const nZ = last.outSize;
  const T = new Float64Array(nZ * nOut);
  if (net.output === 'sigmoid') {
    T[0] = -1;
    T[1] = 1;
  } else if (space === 'probability') {
    for (let c = 0; c < nZ; c++) T[c * nOut + c] = 1;
  } else if (nZ === 2) {
    T.set([1, -1, -1, 1]);
  } else {
    for (let r = 0; r < nZ; r++) for (let c = 0; c < nOut; c++) T[r * nOut + c] = (r === c ? 1 : 0) - 1 / nZ;
  }
  const w = new Float64Array(last.inSize * nOut);
  const b = new Float64Array(nOut);
  for (let i = 0; i < last.inSize; i++) for (let c = 0; c < nOut; c++) for (let z = 0; z < nZ; z++) w[i * nOut + c] += last.w[i * nZ + z] * T[z * nOut + c];
  for (let c = 0; c < nOut; c++) for (let z = 0; z < nZ; z++) b[c] += last.b[z] * T[z * nOut + c];
  const activation = space === 'logodds' ? undefined : net.output === 'sigmoid' ? 'Sigmoid' : 'Softmax';
  return { w, b, activation };
}

/** The ONNX coalition graph (see the module comment) for one network, player count and output space. */
export function coalitionGraph(net: NetworkForm, M: number, nOut: number, space: Prepared['space']): Uint8Array {
  const { floatTensor, int64Tensor, node, intAttribute, valueInfo, message, field, stringField, varintField } = onnxProto;
  const h1 = net.layers[0].outSize;
  const nLo = Math.floor(M / 2);
  const nHi = M - nLo;
  const maskLo = new Float32Array((1 << nLo) * M);
  for (let m = 0; m < 1 << nLo; m++) for (let t = 0; t < nLo; t++) maskLo[m * M + t] = (m >> t) & 1;
  const maskHi = new Float32Array((1 << nHi) * M);
  for (let m = 0; m < 1 << nHi; m++) for (let t = 0; t < nHi; t++) maskHi[m * M + nLo + t] = (m >> t) & 1;

  const init: Uint8Array[] = [
    floatTensor('maskLo', [1 << nLo, M], maskLo),
    floatTensor('maskHi', [1 << nHi, M], maskHi),
    int64Tensor('shapeLo', [4], [-1, 1, 1 << nLo, h1]),
    int64Tensor('shapeHi', [4], [-1, 1 << nHi, 1, h1]),
    int64Tensor('shapeRows', [2], [-1, h1]),
    int64Tensor('shapeV', [2], [-1, (1 << M) * nOut]),
  ];
  const nodes: Uint8Array[] = [
    node('MatMul', ['maskLo', 'D'], ['lo0'], 'lo_matmul'),
    node('Add', ['lo0', 'pre'], ['lo1'], 'lo_pre'),
    node('Reshape', ['lo1', 'shapeLo'], ['lo2'], 'lo_reshape'),
    node('MatMul', ['maskHi', 'D'], ['hi0'], 'hi_matmul'),
    node('Reshape', ['hi0', 'shapeHi'], ['hi1'], 'hi_reshape'),
    node('Add', ['hi1', 'lo2'], ['pre1'], 'coalitions'),
    node('Relu', ['pre1'], ['act1'], 'relu_1'),
    node('Reshape', ['act1', 'shapeRows'], ['h1'], 'rows'),
  ];
  let current = 'h1';
  const nL = net.layers.length;
  for (let i = 1; i < nL; i++) {
    const l = net.layers[i];
    const lastLayer = i === nL - 1;
    const out = lastLayer ? outputLayer(net, nOut, space) : { w: l.w, b: l.b, activation: undefined };
    const width = lastLayer ? nOut : l.outSize;
    init.push(floatTensor(`W${i}`, [l.inSize, width], out.w), floatTensor(`b${i}`, [width], out.b));
    nodes.push(node('MatMul', [current, `W${i}`], [`mm${i}`], `matmul_${i}`), node('Add', [`mm${i}`, `b${i}`], [`z${i}`], `add_${i}`));
    current = `z${i}`;
    if (!lastLayer) {
      nodes.push(node('Relu', [current], [`a${i}`], `relu_${i + 1}`));
      current = `a${i}`;
    } else if (out.activation === 'Softmax') {
      nodes.push(node('Softmax', [current], ['y'], 'softmax', [intAttribute('axis', -1)]));
      current = 'y';
    } else if (out.activation === 'Sigmoid') {
      nodes.push(node('Sigmoid', [current], ['y'], 'sigmoid'));
      current = 'y';
    }
  }
  nodes.push(node('Reshape', [current, 'shapeV'], ['Y'], 'by_background'), node('MatMul', ['w', 'Y'], ['V'], 'weighted_sum'));
  const graph = message([
    ...nodes.map((n) => field(1, n)),
    stringField(2, 'sharpline_shap_coalitions'),
    ...init.map((t) => field(5, t)),
    field(11, valueInfo('D', ['k', M, h1])),
    field(11, valueInfo('pre', ['k', 1, h1])),
    field(11, valueInfo('w', [1, 'k'])),
    field(12, valueInfo('V', [1, (1 << M) * nOut])),
  ]);
  return message([
    varintField(1, ONNX_IR_VERSION),
    stringField(2, 'sharpline'),
    field(7, graph),
    field(8, message([stringField(1, ''), varintField(2, ONNX_OPSET)])),
  ]);
}
