import type * as Ort from 'onnxruntime-node';
import { AppError } from '../../core/index.ts';
import { ONNX_IR_VERSION, ONNX_OPSET, onnxProto } from '../onnx-export.ts';
import { outputLayer, safeForm } from './onnx-exact.ts';
import { createKernelPlan, kernelPhi, type KernelPlan, type KernelSettings } from './kernel.ts';
import type { Prepared } from './prepare.ts';
import type { RawExplanation } from './result.ts';
import { createStructuralContext, shareByPlayer } from './structural.ts';
import type { NetworkForm } from './types.ts';

/** Float32 entries of a block's largest intermediate (coalitions × draws × widest layer): 512 KB, within a core's L2 (2^16–2^19 measured: 2^17 least CPU, 2.8 against 4.0 ms unblocked at 1,024 × 26 draws). */
const MAX_BLOCK_ENTRIES = 1 << 17;

/**
 * Kernel SHAP of a ReLU network through onnxruntime in float32: the same estimator as the
 * float64 kernel engine (same coalition design, the same background rows drawn per coalition,
 * the same control variate and least-squares fit, from {@link createKernelPlan}), with the
 * coalition rows evaluated as matrix products on MLAS instead of a JavaScript loop.
 *
 * What does not depend on the explained row is computed once per engine and baked into the
 * graph: coalition c's draw j against background row b has the first-layer pre-activation
 * `pre_b − Σ_{i∈c} share_{b,i} + Σ_{i∈c} share_{x,i}`, and the first two terms are the
 * background's (`Q`, `nCoal × r × h1`). Per row (S: its shares by player, `M × h1`) the graph
 * runs, per block of coalitions sized so its intermediates stay in a core's cache:
 *   P = Z · S                          `n × h1`       (Z: the block's memberships, `n × M`)
 *   pre = P[:, None] + Q               `n × r × h1`
 *   Relu → (MatMul → Add → Relu)* → MatMul → Add → softmax | Sigmoid | none (log-odds)
 *   V = mean over the r draws          `n × nOut`     (one product with a fixed averaging matrix)
 * and concatenates the blocks. On the 13-feature 32-16-3 network at 1,024 coalitions × 26 draws
 * that took 1.5–2 ms of CPU per row, against 4.0 ms as one block with onnxruntime's Softmax.
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
  const net = safeForm(p);
  return net !== undefined && net.layers.length >= 2 && p.players.length >= 2 && p.model.nOutputs >= 2;
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
  const net = safeForm(p);
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
  const nL = net.layers.length;
  const init: Uint8Array[] = [int64Tensor('shapeS', [2], [M, h1]), int64Tensor('shapeRows', [2], [-1, h1]), int64Tensor('shapeV', [2], [1, nCoal * nOut])];
  const nodes: Uint8Array[] = [node('Reshape', ['S', 'shapeS'], ['s2'], 's_matrix')];
  // Layers after the first, shared by every block.
  const layers: Array<{ activation: 'Relu' | 'Softmax' | 'Sigmoid' | undefined }> = [];
  for (let i = 1; i < nL; i++) {
    const l = net.layers[i];
    const lastLayer = i === nL - 1;
    const out = lastLayer ? outputLayer(net, nOut, space) : { w: l.w, b: l.b, activation: 'Relu' as const };
    if (out.activation === 'Softmax') centre(out.w, out.b, l.inSize, nOut);
    init.push(floatTensor(`W${i}`, [l.inSize, lastLayer ? nOut : l.outSize], out.w), floatTensor(`b${i}`, [lastLayer ? nOut : l.outSize], out.b));
    layers.push({ activation: out.activation });
  }
  // The mean over a coalition's draws as one product: (coalitions × r·nOut) · (r·nOut × nOut).
  const mean = new Float32Array(r * nOut * nOut);
  for (let j = 0; j < r; j++) for (let k = 0; k < nOut; k++) mean[(j * nOut + k) * nOut + k] = drawWeights[j];
  init.push(floatTensor('drawMean', [r * nOut, nOut], mean), floatTensor('ones', [nOut, nOut], new Float32Array(nOut * nOut).fill(1)), floatTensor('clipLo', [], [-30]), floatTensor('clipHi', [], [30]));
  // Coalitions in blocks whose largest intermediate stays in a core's cache; onnxruntime frees
  // a block's tensors before the next block runs.
  const perBlock = Math.max(1, Math.floor(MAX_BLOCK_ENTRIES / (r * Math.max(...net.layers.map((l) => l.outSize)))));
  const outputs: string[] = [];
  for (let first = 0, blk = 0; first < nCoal; first += perBlock, blk++) {
    const n = Math.min(perBlock, nCoal - first);
    // Per coalition x's share (Z · S), added to each of its draws' background part Q.
    const Zb = new Float32Array(n * M);
    for (let c = 0; c < n; c++) for (let i = 0; i < M; i++) Zb[c * M + i] = Z[(first + c) * M + i];
    init.push(floatTensor(`Z${blk}`, [n, M], Zb), floatTensor(`Q${blk}`, [n, r, h1], Q.subarray(first * r * h1, (first + n) * r * h1)), int64Tensor(`shapeP${blk}`, [3], [n, 1, h1]), int64Tensor(`shapeDraws${blk}`, [2], [n, r * nOut]));
    nodes.push(
      node('MatMul', [`Z${blk}`, 's2'], [`p${blk}`], `shares_${blk}`),
      node('Reshape', [`p${blk}`, `shapeP${blk}`], [`p3${blk}`], `p3_${blk}`),
      node('Add', [`p3${blk}`, `Q${blk}`], [`pre${blk}`], `draws_${blk}`),
      node('Relu', [`pre${blk}`], [`r${blk}`], `relu_${blk}_0`),
      node('Reshape', [`r${blk}`, 'shapeRows'], [`h${blk}_0`], `rows_${blk}`),
    );
    let current = `h${blk}_0`;
    layers.forEach(({ activation }, t) => {
      const i = t + 1;
      nodes.push(node('MatMul', [current, `W${i}`], [`mm${blk}_${i}`], `matmul_${blk}_${i}`), node('Add', [`mm${blk}_${i}`, `b${i}`], [`z${blk}_${i}`], `add_${blk}_${i}`));
      current = `z${blk}_${i}`;
      // Softmax of the centred logits as Exp and a row-sum product: onnxruntime's Softmax goes
      // row by row, slow for rows of 2–3 classes (a third of the run). Clipping at ±30 changes
      // a probability by less than e^-30 (centred logits: every other class is then below it).
      if (activation === 'Softmax') {
        nodes.push(
          node('Clip', [current, 'clipLo', 'clipHi'], [`zc${blk}`], `clip_${blk}`),
          node('Exp', [`zc${blk}`], [`e${blk}`], `exp_${blk}`),
          node('MatMul', [`e${blk}`, 'ones'], [`sum${blk}`], `sum_${blk}`),
          node('Div', [`e${blk}`, `sum${blk}`], [`y${blk}_${i}`], `softmax_${blk}`),
        );
      }
      else if (activation !== undefined) nodes.push(node(activation, [current], [`y${blk}_${i}`], `${activation.toLowerCase()}_${blk}_${i}`));
      if (activation !== undefined) current = `y${blk}_${i}`;
    });
    nodes.push(node('Reshape', [current, `shapeDraws${blk}`], [`Y${blk}`], `by_coalition_${blk}`), node('MatMul', [`Y${blk}`, 'drawMean'], [`V${blk}`], `mean_over_draws_${blk}`));
    outputs.push(`V${blk}`);
  }
  nodes.push(node('Concat', outputs, ['Vc'], 'blocks', [intAttribute('axis', 0)]), node('Reshape', ['Vc', 'shapeV'], ['V'], 'by_row'));
  const graph = message([
    ...nodes.map((n) => field(1, n)),
    stringField(2, 'sharpline_kernel_shap_coalitions'),
    ...init.map((t) => field(5, t)),
    field(11, valueInfo('S', [1, M, h1])),
    field(12, valueInfo('V', [1, nCoal * nOut])),
  ]);
  return message([
    varintField(1, ONNX_IR_VERSION),
    stringField(2, 'sharpline'),
    field(7, graph),
    field(8, message([stringField(1, ''), varintField(2, ONNX_OPSET)])),
  ]);
}

/** Subtracts each row's mean logit (in place, `w`: `inSize × n`): the softmax is unchanged and its inputs stay small. */
function centre(w: Float64Array, b: Float64Array, inSize: number, n: number): void {
  for (let i = 0; i <= inSize; i++) {
    const row = i < inSize ? w.subarray(i * n, (i + 1) * n) : b;
    let m = 0;
    for (let k = 0; k < n; k++) m += row[k] / n;
    for (let k = 0; k < n; k++) row[k] -= m;
  }
}
