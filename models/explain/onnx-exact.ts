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
 * Work is cut in two exact ways before anything runs:
 * - **The reduced game per background row.** A player whose features all equal background row
 *   b's changes nothing when it joins a coalition against b: its first-layer change is exactly
 *   zero. So row b's value depends only on the coalition's part among the d_b players that
 *   differ, and only those 2^d_b coalitions are evaluated (then spread over the 2^M table:
 *   v_b(S) = v_b(S ∩ differing)). A row equal to x everywhere adds the same float64 output to
 *   every coalition and is not run at all. Rows sharing a pattern of differing players run
 *   together; the full pattern's graph holds its coalition mask as a constant, the reduced patterns'
 *   graph takes the mask's first 2^d rows as an input.
 * - **The first layer as one product, activations fused.** For a block of k rows of one
 *   pattern, `Bt` (`(M+1) × k·h1`) holds each row's first-layer change by player (x's share minus
 *   b's) and, in its last row, b's pre-activation; a coalition mask with a column of ones turns
 *   it into every coalition's pre-activation in one Gemm, whose ReLU onnxruntime fuses in:
 *     G = Relu(mask · Bt)                     `2^d × k·h1`, rows (coalition), columns (row, unit)
 *     (Gemm → Relu)* over the rows (coalition, background row)      the hidden layers after it
 *     output: softmax of the logits less their row's max (nothing overflows, never NaN), the
 *       sigmoid pair, or linear log-odds; transposed (outputs × rows)
 *     V = Y · w                               `nOut·2^d`, class-major: the background-weighted sum of the block
 *     Vsum += float64(V)                      the Scan's state: the blocks' sum in float64, block 0 first
 *   The full game (all M players differ) splits the players in halves, lo = 0..a−1 and
 *   hi = a..M−1: the 2^a lo coalitions' pre-activations `L = maskLo · Bt_lo + pre` are one small
 *   Gemm, and `G = Relu(maskHi · [Bt_hi tiled 2^a times; L as one row])` gives the same
 *   `2^M × k·h1` (row hi, column (lo, row, unit): coalition hi·2^a + lo) with an inner dimension
 *   of M − a + 1 instead of M + 1 (session 31: the first layer took 40 % of a run, the
 *   next one as much; one Gemm of 13 columns of ones and zeros was most of it).
 *   The blocks of one pattern run as one Scan, each block's intermediates cache-sized.
 *   Measured in session 28 (onnxruntime's profiler, per node): the previous graph (player halves
 *   and a broadcast add) spent 22 of its 28 ms on that add over 13 M elements per explained row,
 *   its separate ReLU, and a softmax over rows of 3; this one writes the first hidden layer once.
 */

/** Float32 entries of the largest intermediate (`k × 2^d × width`) of one run: 2 MB, cache-sized (4 background rows per run at 12 players and 32 units took 28 ms of CPU, 64 rows 45 ms, session 27). */
const MAX_BLOCK_ENTRIES = 1 << 19;

/** Work of the last explained row, for benches: evaluated (coalition, background row) pairs against the unreduced 2^M · K. */
export interface OnnxExactWork {
  readonly evaluated: number;
  readonly unreduced: number;
  readonly runs: number;
  /** Background rows by how many players differ from x (index d). */
  readonly rowsByDiffering: readonly number[];
}

export interface OnnxExactEngine {
  readonly base: Float64Array;
  readonly setupCalls: number;
  /** Background rows per onnxruntime run of the full pattern. */
  readonly blockRows: number;
  /** Work of the last row explained. */
  readonly lastWork: OnnxExactWork | undefined;
  run(xs: Float64Array, nExplain: number): Promise<RawExplanation[]>;
  release(): Promise<void>;
}

/** Whether {@link createOnnxExactEngine} can explain this prepared game. */
export function onnxExactSupported(p: Prepared): boolean {
  const net = safeForm(p);
  return net !== undefined && net.layers.length >= 2 && p.players.length >= 2 && p.model.nOutputs >= 2;
}

/**
 * The network form when consistent, of any depth, and explaining what `p.fn` computes (shared with
 * the onnxruntime kernel engine, which needs the same guarantee).
 */
export function safeForm(p: Prepared): NetworkForm | undefined {
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
 * Creates the float32 onnxruntime exact engine (one intra-op thread by default: a server runs
 * explanations beside predictions).
 *
 * `reduce: false` evaluates every background row on all 2^M coalitions (the unreduced game, for
 * tests and benches that check the reduction changes nothing).
 *
 * @throws AppError EXPLAINER_UNSUPPORTED when the model has no network form with a hidden layer,
 *   fewer than two players or outputs, or more than 14 players; MODEL_FORMAT_INVALID when
 *   onnxruntime rejects the generated graph.
 */
export async function createOnnxExactEngine(p: Prepared, options: { intraOpNumThreads?: number; reduce?: boolean } = {}): Promise<OnnxExactEngine> {
  const M = p.players.length;
  const net = safeForm(p);
  if (net === undefined || net.layers.length < 2 || M < 2 || M > 14 || p.model.nOutputs < 2) {
    throw new AppError('EXPLAINER_UNSUPPORTED', 'the onnxruntime exact engine needs a ReLU network with a hidden layer, 2 to 14 players and two or more outputs', {
      details: { players: M, layers: net?.layers.length ?? 0, outputs: p.model.nOutputs },
    });
  }
  const reduce = options.reduce ?? true;
  const { nOutputs: nOut, nFeatures: d } = p.model;
  const nC = 1 << M;
  const { data: B, nRows: K, weights: w } = p.background;
  const h1 = net.layers[0].outSize;
  const widest = Math.max(...net.layers.map((l) => l.outSize));
  const rowsPerRun = (nCoalitions: number): number => Math.max(1, Math.min(K, Math.floor(MAX_BLOCK_ENTRIES / (nCoalitions * widest))));
  const blockRows = rowsPerRun(nC);
  const bg = evaluateBackground(p);
  const ctx = createStructuralContext(p, net);
  // Rows (coalition) of the reduced games' mask: player bits, then a one that picks up the
  // pre-activation row of Bt; a game of d players takes the first 2^d rows.
  const mask = new Float32Array(nC * (M + 1));
  for (let m = 0; m < nC; m++) {
    for (let t = 0; t < M; t++) mask[m * (M + 1) + t] = (m >> t) & 1;
    mask[m * (M + 1) + M] = 1;
  }

  const ort = (await import('onnxruntime-node')) as typeof Ort;
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const open = async (fullGame: boolean): Promise<Ort.InferenceSession> => {
    try {
      return await ort.InferenceSession.create(coalitionGraph(net, M, nOut, p.space, fullGame), sessionOptions);
    } catch (cause) {
      throw new AppError('MODEL_FORMAT_INVALID', 'onnxruntime rejected the SHAP coalition graph', { cause, details: { players: M, layers: net.layers.length } });
    }
  };
  const fullSession = await open(true);
  // The reduced patterns' graph takes the mask's first 2^d rows as an input; opened on first use.
  let reducedSession: Promise<Ort.InferenceSession> | undefined;

  const shapleyWeight = new Float64Array(M);
  for (let s = 0; s < M; s++) shapleyWeight[s] = 1 / (M * binomial(M - 1, s));
  const popcount = new Uint8Array(nC);
  for (let m = 1; m < nC; m++) popcount[m] = popcount[m >> 1] + (m & 1);
  const maskWeight = new Float64Array(nC);
  for (let m = 0; m < nC; m++) maskWeight[m] = shapleyWeight[popcount[m]];
  const spread = new Int32Array(nC);
  let lastWork: OnnxExactWork | undefined;
  // Scratch reused by every explained row (one at a time, see `run`): a row used to allocate
  // ~2 MB of typed arrays, and the collections of that external memory cost ~3.5 ms of the main
  // thread per row (CPU profile, session 31) beside a ~13 ms onnxruntime run. What a row still
  // allocates is the run's one output table (onnxruntime-node copies outputs into new buffers).
  const bgShare = ctx.bgShare;
  // x's first-layer share by player, of the row being explained (`runPattern` reads it).
  let xShare: Float64Array = new Float64Array(M * h1);
  const V = new Float64Array(nOut * nC);
  // The Scan's initial state: never written (onnxruntime does not write its inputs).
  const zeros = new Float64Array(nOut * nC);
  let btScratch = new Float32Array(0);
  let wScratch = new Float32Array(0);
  const grown = (buf: Float32Array<ArrayBuffer>, size: number): Float32Array<ArrayBuffer> => (buf.length >= size ? buf : new Float32Array(size));

  /** Runs the rows of one pattern (their differing players `differ`, in order) and adds their weighted values into V. */
  const runPattern = async (session: Ort.InferenceSession, fullGame: boolean, differ: number[], rows: number[], fx: Float64Array): Promise<void> => {
    const nD = differ.length;
    const nCoal = 1 << nD;
    const perRun = rowsPerRun(nCoal);
    const nBlocks = Math.ceil(rows.length / perRun);
    const k = Math.ceil(rows.length / nBlocks);
    // Bt of block q: row t < nD is differing player t's change, rows nD..M−1 stay zero, row M is
    // b's pre-activation. A short last block is padded with rows of weight 0 (and zero inputs).
    const btSize = nBlocks * (M + 1) * k * h1;
    btScratch = grown(btScratch, btSize);
    wScratch = grown(wScratch, nBlocks * k);
    const Bt = btScratch.subarray(0, btSize);
    const wk = wScratch.subarray(0, nBlocks * k);
    Bt.fill(0);
    wk.fill(0);
    for (let i = 0; i < rows.length; i++) {
      const b = rows[i];
      const q = Math.floor(i / k);
      const r = i - q * k;
      const at = q * (M + 1) * k * h1 + r * h1;
      // Player t's change against b, in float64 (an equal player's is exactly zero) and then rounded.
      for (let t = 0; t < nD; t++) {
        const xs = differ[t] * h1;
        const src = (b * M + differ[t]) * h1;
        const dst = at + t * k * h1;
        for (let j = 0; j < h1; j++) Bt[dst + j] = xShare[xs + j] - bgShare[src + j];
      }
      Bt.set(ctx.bgPre.subarray(b * h1, (b + 1) * h1), at + M * k * h1);
      wk[i] = w[b];
    }
    const feeds: Record<string, Ort.Tensor> = {
      V0: new ort.Tensor('float64', zeros.subarray(0, nOut * nCoal), [nOut * nCoal, 1]),
      BtAll: new ort.Tensor('float32', Bt, [nBlocks, M + 1, k * h1]),
      wAll: new ort.Tensor('float32', wk, [nBlocks, k, 1]),
      shapeByRow: new ort.Tensor('int64', BigInt64Array.from([BigInt(nOut * nCoal), BigInt(k)]), [2]),
    };
    if (!fullGame) feeds.mask = new ort.Tensor('float32', mask.subarray(0, nCoal * (M + 1)), [nCoal, M + 1]);
    // The blocks' sums in float64, block by block (each block's own weighted sum of k rows is float32).
    const part = (await session.run(feeds)).VSum.data as Float64Array;
    // The pattern's own empty and full coalitions are b itself and x: the model's float64 outputs.
    // So a coalition of equal players only takes float64 values wherever b's game ends, and a player
    // equal in every row gets φ = 0 exactly (the same additions reach V(S) and V(S ∪ i)).
    for (let c = 0; c < nOut; c++) {
      let empty = 0;
      let weight = 0;
      for (const b of rows) {
        empty += w[b] * bg.out[b * nOut + c];
        weight += w[b];
      }
      part[c * nCoal] = empty;
      part[c * nCoal + nCoal - 1] = weight * fx[c];
    }
    // Spread over the full table: coalition m of M players holds the value of m's differing part.
    if (nD === M) {
      for (let i = 0; i < nC * nOut; i++) V[i] += part[i];
    } else {
      spread[0] = 0;
      for (let m = 1; m < nC; m++) {
        const low = 31 - Math.clz32(m & -m);
        const at = differ.indexOf(low);
        spread[m] = spread[m & (m - 1)] | (at < 0 ? 0 : 1 << at);
      }
      for (let c = 0; c < nOut; c++) {
        const o = c * nCoal;
        for (let m = 0; m < nC; m++) V[c * nC + m] += part[o + spread[m]];
      }
    }
  };

  const explainOne = async (x: Float64Array, fx: Float64Array): Promise<RawExplanation> => {
    xShare = shareByPlayer(p, net, x);
    V.fill(0);
    const byPattern = new Map<number, number[]>();
    const rowsByDiffering = new Array<number>(M + 1).fill(0);
    let evaluated = 0;
    for (let b = 0; b < K; b++) {
      // Bit i set when player i differs from b: some feature of it is not equal (NaN never is).
      let pattern = reduce ? 0 : nC - 1;
      for (let i = 0; reduce && i < M; i++) {
        for (const f of p.players[i].featureIndices) {
          if (x[f] !== B[b * d + f]) {
            pattern |= 1 << i;
            break;
          }
        }
      }
      const nD = popcount[pattern];
      rowsByDiffering[nD]++;
      if (pattern === 0) {
        // Equal to x on every player: the same output for every coalition, the model's own.
        for (let c = 0; c < nOut; c++) {
          const v = w[b] * bg.out[b * nOut + c];
          for (let m = 0; m < nC; m++) V[c * nC + m] += v;
        }
        continue;
      }
      evaluated += 1 << nD;
      const list = byPattern.get(pattern);
      if (list) list.push(b);
      else byPattern.set(pattern, [b]);
    }
    let runs = 0;
    for (const [pattern, rows] of byPattern) {
      const differ: number[] = [];
      for (let i = 0; i < M; i++) if (pattern & (1 << i)) differ.push(i);
      if (differ.length === M) {
        await runPattern(fullSession, true, differ, rows, fx);
        runs++;
      } else {
        reducedSession ??= open(false);
        await runPattern(await reducedSession, false, differ, rows, fx);
        runs++;
      }
    }
    // V(∅) and V(all) are now float64 sums of the model's outputs, so Σφ = f(x) − base to float64 rounding.
    lastWork = { evaluated, unreduced: K * nC, runs, rowsByDiffering };
    return {
      engine: 'exact',
      phi: shapleyFromTable(V, M, nOut, { shapleyWeight, popcount, maskWeight }),
      base: bg.base.slice(),
      prediction: fx,
      approximate: false,
      stats: { modelCalls: 1 + runs, modelRows: evaluated + 1, coalitions: nC },
    };
  };

  let queue: Promise<void> = Promise.resolve();
  return {
    base: bg.base,
    setupCalls: bg.calls,
    blockRows,
    get lastWork() {
      return lastWork;
    },
    run(xs, nExplain) {
      // One call at a time: the rows share the scratch buffers across their awaits.
      const result = queue.then(async () => {
        const fx = p.fn(xs.slice(0, nExplain * d), nExplain);
        const results: RawExplanation[] = [];
        for (let e = 0; e < nExplain; e++) results.push(await explainOne(xs.subarray(e * d, (e + 1) * d), fx.slice(e * nOut, (e + 1) * nOut)));
        return results;
      });
      queue = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    async release() {
      await fullSession.release();
      if (reducedSession) await (await reducedSession).release();
    },
  };
}

/**
 * The last layer's weights and bias mapped onto the explained outputs, in float64 before rounding,
 * for both onnxruntime engines' graphs: a softmax network's probabilities are its logits (then a
 * softmax); a sigmoid network's the pair [−z, z] (then Sigmoid); log-odds linear maps of the
 * logits, `z − mean(z)` for three or more classes (the centred log-ratio of a softmax),
 * `z_k − z_other` for two, `[−z, z]` for a sigmoid — what `probabilitiesToLogOdds` gives from the
 * probabilities. `w` is `inSize × nOut`.
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

/** Player bits of every coalition of `n` players as rows of `n` (+ a column of ones with `ones`). */
function bitRows(n: number, ones: boolean): Float32Array {
  const width = n + (ones ? 1 : 0);
  const rows = new Float32Array((1 << n) * width);
  for (let m = 0; m < 1 << n; m++) {
    for (let t = 0; t < n; t++) rows[m * width + t] = (m >> t) & 1;
    if (ones) rows[m * width + n] = 1;
  }
  return rows;
}

/**
 * The ONNX coalition graph (see the module comment) for one network, player count and output
 * space. `fullGame`: every coalition of the M players, the first layer split in player halves
 * (its masks are initializers); otherwise an input `mask` of any number of coalition rows (the
 * reduced games), one Gemm.
 */
export function coalitionGraph(net: NetworkForm, M: number, nOut: number, space: Prepared['space'], fullGame: boolean): Uint8Array {
  const { floatTensor, int64Tensor, node, intAttribute, valueInfo, message, field, stringField, varintField } = onnxProto;
  const h1 = net.layers[0].outSize;
  const init: Uint8Array[] = [int64Tensor('shapeRows', [2], [-1, h1])];
  const nodes: Uint8Array[] = [];
  if (fullGame) {
    // Coalition m = hi·2^a + lo: lo's players 0..a−1 are the columns' side, hi's a..M−1 the rows'.
    const a = M >> 1;
    init.push(
      floatTensor('maskLo', [1 << a, a], bitRows(a, false)),
      floatTensor('maskHi', [1 << (M - a), M - a + 1], bitRows(M - a, true)),
      int64Tensor('at0', [1], [0]),
      int64Tensor('atLo', [1], [a]),
      int64Tensor('atPre', [1], [M]),
      int64Tensor('atEnd', [1], [M + 1]),
      int64Tensor('tileLo', [2], [1, 1 << a]),
      int64Tensor('oneRow', [2], [1, -1]),
    );
    nodes.push(
      node('Slice', ['Bt', 'at0', 'atLo', 'at0'], ['BtLo'], 'changes_lo'),
      node('Slice', ['Bt', 'atLo', 'atPre', 'at0'], ['BtHi'], 'changes_hi'),
      node('Slice', ['Bt', 'atPre', 'atEnd', 'at0'], ['preB'], 'pre_activation'),
      // L = maskLo · Bt_lo + b's pre-activation: 2^a × k·h1, as one row (lo, row, unit).
      node('Gemm', ['maskLo', 'BtLo', 'preB'], ['preLo'], 'coalitions_lo'),
      node('Reshape', ['preLo', 'oneRow'], ['preLoRow'], 'coalitions_lo_row'),
      node('Tile', ['BtHi', 'tileLo'], ['BtHiTiled'], 'changes_hi_tiled'),
      node('Concat', ['BtHiTiled', 'preLoRow'], ['Bsplit'], 'split_operand', [intAttribute('axis', 0)]),
      node('Gemm', ['maskHi', 'Bsplit'], ['pre1'], 'coalitions'),
    );
  } else {
    nodes.push(node('Gemm', ['mask', 'Bt'], ['pre1'], 'coalitions'));
  }
  nodes.push(node('Relu', ['pre1'], ['act1'], 'relu_1'), node('Reshape', ['act1', 'shapeRows'], ['h1'], 'rows'));
  let current = 'h1';
  const nL = net.layers.length;
  for (let i = 1; i < nL; i++) {
    const l = net.layers[i];
    if (i < nL - 1) {
      init.push(floatTensor(`W${i}`, [l.inSize, l.outSize], l.w), floatTensor(`b${i}`, [l.outSize], l.b));
      nodes.push(node('Gemm', [current, `W${i}`, `b${i}`], [`z${i}`], `layer_${i + 1}`), node('Relu', [`z${i}`], [`a${i}`], `relu_${i + 1}`));
      current = `a${i}`;
      continue;
    }
    const out = outputLayer(net, nOut, space);
    // Transposed (outputs × rows): MLAS runs a Gemm of few output columns ~4× slower than one of few rows.
    const wT = new Float64Array(nOut * l.inSize);
    for (let r = 0; r < l.inSize; r++) for (let c = 0; c < nOut; c++) wT[c * l.inSize + r] = out.w[r * nOut + c];
    init.push(floatTensor(`W${i}`, [nOut, l.inSize], wT), floatTensor(`b${i}`, [nOut, 1], out.b));
    nodes.push(node('Gemm', [`W${i}`, current, `b${i}`], ['z'], 'output_layer', [intAttribute('transB', 1)]));
    if (out.activation === 'Softmax') {
      // p = exp(z − max z) / Σ exp(z − max z), per row: every exponent ≤ 0, so nothing overflows
      // and the sum is ≥ 1. z is (class) × rows, so Split along the first axis gives each class's
      // logits as one contiguous row and the max and the sum are elementwise over them. (Session 28's
      // logit differences, 1 / (1 + Σ_j exp(z_j − z_c)), needed n(n − 1) outputs and exps per row
      // for n classes; this needs n: 1–8 % less CPU per explained row in three A/Bs, 12 features,
      // 100 background rows, engines alternating row by row, load 14–16. Session 31 tried ratios to
      // class 0 clipped at ±80, ~5 % less CPU, and dropped them: two classes both far above class 0
      // clip to the same value, so their split is lost.)
      const byClass = (name: string) => Array.from({ length: nOut }, (_, c) => `${name}${c}`);
      nodes.push(
        node('Split', ['z'], byClass('z_'), 'logits_by_class', [intAttribute('axis', 0)]),
        node('Max', byClass('z_'), ['zMax'], 'max_logit'),
        node('Sub', ['z', 'zMax'], ['zc'], 'centred_logits'),
        node('Exp', ['zc'], ['e'], 'exp'),
        node('Split', ['e'], byClass('e_'), 'exp_by_class', [intAttribute('axis', 0)]),
        node('Sum', byClass('e_'), ['s'], 'sum_exp'),
        node('Div', ['e', 's'], ['y'], 'probability'),
      );
      current = 'y';
    } else if (out.activation === 'Sigmoid') {
      nodes.push(node('Sigmoid', ['z'], ['y'], 'sigmoid'));
      current = 'y';
    } else {
      current = 'z';
    }
  }
  // Rows (coalition, background row) back to (coalition) × (background row, output), then weighted.
  // Y is (output) × (coalition, background row); as `nOut·2^d × k` rows times the weights it is
  // V, class-major as the Shapley pass reads it. (`shapeByRow` is an input: the graph has no other source of k.)
  // The blocks' sums accumulate in float64 in the Scan's state, block 0 first (the same additions
  // the engine made in JavaScript): the run returns one nOut·2^d table, not one per block.
  // onnxruntime-node 1.30 copies every output into a new ArrayBuffer even when a pre-allocated one
  // is given: 25 blocks' float32 tables were 1.2 MB per explained row, and collecting them (the
  // external-memory scavenges and mark-compacts they set off) ~1 ms of the thread per row.
  nodes.push(
    node('Reshape', [current, 'shapeByRow'], ['Y'], 'by_coalition'),
    node('Gemm', ['Y', 'w'], ['V'], 'weighted_sum'),
    node('Cast', ['V'], ['V64'], 'weighted_sum_f64', [intAttribute('to', 11)]),
    node('Add', ['Vin', 'V64'], ['Vout'], 'blocks_sum'),
  );
  const outerInputs = [...(fullGame ? [] : [field(11, valueInfo('mask', ['n', M + 1]))]), field(11, valueInfo('shapeByRow', [2], 'int64'))];
  // Blocks of k rows as one Scan: one run per pattern, each block's intermediates still cache-sized
  // (per-run costs outside the kernels measured ~0.2 ms, 15–20 % of the CPU with 25 runs per row).
  const graph = message([
    field(
      1,
      node('Scan', ['V0', 'BtAll', 'wAll'], ['VSum'], 'blocks', [
        intAttribute('num_scan_inputs', 2),
        message([
          stringField(1, 'body'),
          field(
            6,
            message([
              ...nodes.map((n) => field(1, n)),
              stringField(2, 'block'),
              field(11, valueInfo('Vin', ['nv', 1], 'double')),
              field(11, valueInfo('Bt', [M + 1, 'kh'])),
              field(11, valueInfo('w', ['k', 1])),
              field(12, valueInfo('Vout', ['nv', 1], 'double')),
            ]),
          ),
          varintField(20, 5),
        ]),
      ]),
    ),
    stringField(2, 'sharpline_shap_coalitions'),
    ...init.map((t) => field(5, t)),
    field(11, valueInfo('V0', ['nv', 1], 'double')),
    field(11, valueInfo('BtAll', ['blocks', M + 1, 'kh'])),
    field(11, valueInfo('wAll', ['blocks', 'k', 1])),
    ...outerInputs,
    field(12, valueInfo('VSum', ['nv', 1], 'double')),
  ]);
  return message([
    varintField(1, ONNX_IR_VERSION),
    stringField(2, 'sharpline'),
    field(7, graph),
    field(8, message([stringField(1, ''), varintField(2, ONNX_OPSET)])),
  ]);
}
