import type * as Ort from 'onnxruntime-node';
import { AppError } from '../../core/index.ts';
import { ONNX_IR_VERSION, ONNX_OPSET, onnxProto } from '../onnx-export.ts';
import { createKernelPlan, kernelPhi, type KernelPlan, type KernelSettings } from './kernel.ts';
import { outputLayer } from './onnx-exact.ts';
import type { Prepared } from './prepare.ts';
import type { RawExplanation } from './result.ts';
import { createStructuralContext, shareByPlayer, structuralForm } from './structural.ts';
import type { NetworkForm } from './types.ts';

/**
 * Kernel SHAP of a ReLU network through onnxruntime in float32: the same estimator as the
 * float64 kernel engine (same coalition design, the same background rows drawn per coalition,
 * the same control variate and least-squares fit, from {@link createKernelPlan}), with the
 * coalition rows evaluated as matrix products on MLAS instead of a JavaScript loop.
 *
 * What does not depend on the explained row is computed once per engine and baked into the
 * graph: coalition c's draw j against background row b has the first-layer pre-activation
 * `pre_b − Σ_{i∈c} share_{b,i} + Σ_{i∈c} share_{x,i}`, and the first two terms are the
 * background's (`Q`, `nCoal × r × h1`). Per row the graph computes `Z · share_x` (one
 * `nCoal × M` by `M × h1` product), adds it to every draw, and runs the layers after the first:
 *   P = Z · S                         `n × nCoal × h1`   (S: the rows' shares by player, `n × M × h1`)
 *   pre = P[:, :, None] + Q            `n × nCoal × r × h1`
 *   Relu → (MatMul → Add → Relu)* → MatMul → Add → Softmax | Sigmoid | none (log-odds)
 *   V = mean over the r draws          `n × nCoal·nOut`
 * The control variate, the empty and full coalitions and the fit stay in float64 in
 * JavaScript, so additivity is exact.
 */

export interface OnnxKernelEngine {
  readonly base: Float64Array;
  readonly setupCalls: number;
  readonly plan: KernelPlan;
  run(xs: Float64Array, nExplain: number): Promise<RawExplanation[]>;
  release(): Promise<void>;
}

/** Whether {@link createOnnxKernelEngine} can explain this prepared game. */
export function onnxKernelSupported(p: Prepared): boolean {
  const net = networkOf(p);
  return net !== undefined && net.layers.length >= 2 && p.players.length >= 2 && p.model.nOutputs >= 2;
}

function networkOf(p: Prepared): NetworkForm | undefined {
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
 * Creates the float32 onnxruntime kernel engine (one intra-op thread by default: a server runs
 * explanations beside predictions).
 *
 * @throws AppError EXPLAINER_UNSUPPORTED when the model has no network form with a hidden layer,
 *   or fewer than two players or outputs; MODEL_INPUT_INVALID for bad kernel settings;
 *   MODEL_FORMAT_INVALID when onnxruntime rejects the generated graph.
 */
export async function createOnnxKernelEngine(p: Prepared, settings: KernelSettings, options: { intraOpNumThreads?: number } = {}): Promise<OnnxKernelEngine> {
  const M = p.players.length;
  const net = networkOf(p);
  if (net === undefined || net.layers.length < 2 || M < 2 || p.model.nOutputs < 2) {
    throw new AppError('EXPLAINER_UNSUPPORTED', 'the onnxruntime kernel engine needs a ReLU network with a hidden layer, two or more players and two or more outputs', {
      details: { players: M, layers: net?.layers.length ?? 0, outputs: p.model.nOutputs },
    });
  }
  const plan = createKernelPlan(p, settings);
  const { d, nOut, nCoal, r, bgOf, control, bg, base } = plan;
  const Z = plan.design.members;
  const h1 = net.layers[0].outSize;
  const ctx = createStructuralContext(p, net);
  // Q[c, j] = pre_b − Σ_{i∈c} share_{b,i}, in float64 before rounding.
  const Q = new Float32Array(nCoal * r * h1);
  const acc = new Float64Array(h1);
  for (let c = 0; c < nCoal; c++) {
    for (let j = 0; j < r; j++) {
      const b = bgOf === undefined ? j : bgOf[c * r + j];
      for (let u = 0; u < h1; u++) acc[u] = ctx.bgPre[b * h1 + u];
      for (let i = 0; i < M; i++) {
        if (!Z[c * M + i]) continue;
        const o = (b * M + i) * h1;
        for (let u = 0; u < h1; u++) acc[u] -= ctx.bgShare[o + u];
      }
      Q.set(acc, (c * r + j) * h1);
    }
  }
  // The control variate's background term of each coalition: (1 − |S|/M) · mean_j (g(f(b_j)) − base).
  const cv = new Float64Array(nCoal * nOut);
  for (let c = 0; c < nCoal; c++) {
    for (let j = 0; j < r; j++) {
      const b = bgOf === undefined ? j : bgOf[c * r + j];
      // Without subsampling every row is drawn once, by weight, and the value needs no control variate.
      if (bgOf === undefined) continue;
      for (let k = 0; k < nOut; k++) cv[c * nOut + k] += (control[c] * (bg.out[b * nOut + k] - base[k])) / r;
    }
  }
  const drawWeights = new Float32Array(r);
  for (let j = 0; j < r; j++) drawWeights[j] = bgOf === undefined ? plan.w[j] : 1 / r;

  const ort = (await import('onnxruntime-node')) as typeof Ort;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(kernelGraph(net, Z, nCoal, M, Q, r, drawWeights, nOut, p.space), {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'onnxruntime rejected the kernel SHAP coalition graph', { cause, details: { players: M, coalitions: nCoal, draws: r } });
  }
  const stats = { modelCalls: 1, modelRows: nCoal * r + 1, coalitions: nCoal };

  return {
    base,
    setupCalls: bg.calls,
    plan,
    async run(xs, nExplain) {
      const fx = p.fn(xs.slice(0, nExplain * d), nExplain);
      const results: RawExplanation[] = [];
      const S = new Float32Array(M * h1);
      const v = new Float64Array(nCoal * nOut);
      // One run per row: a row's intermediates (nCoal · r · h1 floats) are already a few MB.
      for (let e = 0; e < nExplain; e++) {
        S.set(shareByPlayer(p, net, xs, e * d));
        const out = await session.run({ S: new ort.Tensor('float32', S, [1, M, h1]) });
        const values = out.V;
        try {
          const V = values.data as Float32Array;
          for (let q = 0; q < nCoal * nOut; q++) v[q] = V[q] - cv[q];
        } finally {
          values.dispose();
        }
        const prediction = fx.slice(e * nOut, (e + 1) * nOut);
        results.push({ engine: 'kernel', phi: kernelPhi(plan, v, prediction), base: base.slice(), prediction, approximate: plan.approximate, stats });
      }
      return results;
    },
    release: () => session.release(),
  };
}

/** The ONNX graph of {@link createOnnxKernelEngine} (see the module comment). */
function kernelGraph(net: NetworkForm, Z: Uint8Array, nCoal: number, M: number, Q: Float32Array, r: number, drawWeights: Float32Array, nOut: number, space: Prepared['space']): Uint8Array {
  const { floatTensor, int64Tensor, node, intAttribute, valueInfo, message, field, stringField, varintField } = onnxProto;
  const h1 = net.layers[0].outSize;
  const init: Uint8Array[] = [
    floatTensor('Z', [nCoal, M], Float32Array.from(Z)),
    floatTensor('Q', [nCoal, r, h1], Q),
    floatTensor('drawWeights', [1, r], drawWeights),
    int64Tensor('shapeP', [4], [-1, nCoal, 1, h1]),
    int64Tensor('shapeRows', [2], [-1, h1]),
    int64Tensor('shapeDraws', [3], [-1, r, nOut]),
    int64Tensor('shapeV', [2], [-1, nCoal * nOut]),
  ];
  const nodes: Uint8Array[] = [
    node('MatMul', ['Z', 'S'], ['p0'], 'coalition_shares'),
    node('Reshape', ['p0', 'shapeP'], ['p1'], 'p_reshape'),
    node('Add', ['p1', 'Q'], ['pre1'], 'draws'),
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
  nodes.push(
    node('Reshape', [current, 'shapeDraws'], ['Y'], 'by_draw'),
    node('MatMul', ['drawWeights', 'Y'], ['Vd'], 'mean_over_draws'),
    node('Reshape', ['Vd', 'shapeV'], ['V'], 'by_row'),
  );
  const graph = message([
    ...nodes.map((n) => field(1, n)),
    stringField(2, 'sharpline_kernel_shap_coalitions'),
    ...init.map((t) => field(5, t)),
    field(11, valueInfo('S', ['n', M, h1])),
    field(12, valueInfo('V', ['n', nCoal * nOut])),
  ]);
  return message([
    varintField(1, ONNX_IR_VERSION),
    stringField(2, 'sharpline'),
    field(7, graph),
    field(8, message([stringField(1, ''), varintField(2, ONNX_OPSET)])),
  ]);
}
