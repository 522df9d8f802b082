/**
 * Benchmark of the SHAP engines in `models/explain` against a straightforward unbatched
 * Kernel SHAP (one model call per coalition) run in the same process.
 *
 * Models are inline MLPs (12→32→16→3 and 30→64→32→3, ReLU, softmax) on seeded synthetic
 * correlated data; the background is a 100-row weighted k-means summary of 2000 rows.
 * The models carry their network form, as served dense models do (`models/explainable.ts`), so
 * the engines evaluate coalitions from the network's structure; `--black-box` hides it.
 * "exact, background 100, onnxruntime float32" is the same exact game on the float32 onnxruntime
 * engine (`createAsyncExplainer`), its max |Δφ| measured against the float64 reference row.
 * `--ort-threads N` gives that engine's onnxruntime session N intra-op threads (default 1: one core
 * per explanation, as a served explanation thread has).
 * A second 12-feature set has two missing-value flags (0 in 95 % of rows, as `mr_missing` and
 * `mxg_missing` of the soccer base set), so background rows share those players' values with x and
 * the onnxruntime engine plays reduced games (2^d coalitions of the d players that differ); it is
 * timed with and without the reduction (`exactReduction: false`), `modelRowsMean` saying the work.
 * CPU time per explanation is reported beside wall time, and the load average at start and end.
 * "served" explains the model bench/serving.ts serves (an MLP 13→32→16→3 on the market feature
 * set's columns, trained on the same seeded uniform rows; stored background a 100-row weighted
 * k-means summary) through the server's own task runner, as `predict?explain=true` does: the
 * default now (float32 onnxruntime engines) and before (`onnxruntime: false`, the float64 ones),
 * each row's max |Δφ| against exact SHAP on the whole stored background.
 * Usage: `npx tsx bench/explain.ts [--json] [--black-box] [--ort-threads N] [--served-only]`.
 */
import os from 'node:os';

import { createRandomStream } from '../core/index.ts';
import { createAsyncExplainer, createExplainer, explainableModelOf, selectBackground, type AutoExplainOptions, type Background, type ExplainableModel, type KernelOptions } from '../models/index.ts';
import { createExplainTaskRunner, type ExplainTask } from '../src/index.ts';
import { createServedBenchModel } from './served-model.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: npx tsx bench/explain.ts [--json] [--black-box] [--ort-threads N] [--served-only]

Times the SHAP engines on inline MLPs (12 features on continuous data, 12 with two missing-value
flags, 30 features) against an unbatched Kernel SHAP baseline run in the same process; p50/p99 wall,
CPU per explanation, model rows per explanation and max |Δφ| against each set's reference.
  --json           every figure as JSON on stdout
  --black-box      hide the network form (engines call predict row by row)
  --ort-threads N  intra-op threads of the onnxruntime exact engine (default 1)
  --served-only    only the served default against exact SHAP on the whole stored background
Run it as \`nice -n 10 npx tsx bench/explain.ts --json\` on a shared machine.
`);
  process.exit(0);
}
const JSON_OUTPUT = process.argv.includes('--json');
/** `--served-only`: only the served-default comparison. */
const SERVED_ONLY = process.argv.includes('--served-only');
/** Rows of the served-default comparison. */
const SERVED_ROWS = 32;
/** `--black-box`: hide the network form, so the engines evaluate coalitions row by row through `predict`. */
const WHITE_BOX = !process.argv.includes('--black-box');
/** `--ort-threads N`: intra-op threads of the onnxruntime engine's session (default 1). */
const ORT_THREADS = (() => {
  const at = process.argv.indexOf('--ort-threads');
  if (at < 0) return 1;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    process.stderr.write(`bench/explain.ts: --ort-threads needs an integer 1..64, got ${JSON.stringify(process.argv[at + 1])}\n`);
    process.exit(2);
  }
  return n;
})();

function createGenerator(seed: number): { uniform: () => number; normal: () => number } {
  const uniform = createRandomStream(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(Math.max(uniform(), 1e-12))) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/**
 * Rows from a 4-factor model plus noise, so features are correlated like real form/market features;
 * the `flags` columns are missing-value indicators instead (1 in 5 % of rows, else 0).
 */
function syntheticData(n: number, d: number, seed: number, flags: readonly number[] = []): Float64Array {
  const g = createGenerator(seed);
  const loadings = Float64Array.from({ length: d * 4 }, () => g.normal() * 0.6);
  const X = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const z = [g.normal(), g.normal(), g.normal(), g.normal()];
    for (let f = 0; f < d; f++) {
      let v = 0.5 * g.normal();
      for (let t = 0; t < 4; t++) v += loadings[f * 4 + t] * z[t];
      X[r * d + f] = v;
    }
    for (const f of flags) X[r * d + f] = g.uniform() < 0.05 ? 1 : 0;
  }
  return X;
}

/**
 * Dense layer on a row block, weights stored [out][in]. Tiles of 4 rows × 2 units keep eight
 * accumulators in registers and load each input and weight once per tile.
 */
function denseLayer(
  inp: Float64Array,
  n: number,
  nIn: number,
  W: Float64Array,
  b: Float64Array,
  nOut: number,
  relu: boolean,
  out: Float64Array,
): void {
  const act = (v: number): number => (relu && v < 0 ? 0 : v);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const o0 = r * nIn;
    const o1 = o0 + nIn;
    const o2 = o1 + nIn;
    const o3 = o2 + nIn;
    let j = 0;
    for (; j + 2 <= nOut; j += 2) {
      let a0 = b[j];
      let a1 = a0;
      let a2 = a0;
      let a3 = a0;
      let c0 = b[j + 1];
      let c1 = c0;
      let c2 = c0;
      let c3 = c0;
      const wa = j * nIn;
      const wc = wa + nIn;
      for (let i = 0; i < nIn; i++) {
        const x0 = inp[o0 + i];
        const x1 = inp[o1 + i];
        const x2 = inp[o2 + i];
        const x3 = inp[o3 + i];
        const w = W[wa + i];
        const v = W[wc + i];
        a0 += w * x0;
        a1 += w * x1;
        a2 += w * x2;
        a3 += w * x3;
        c0 += v * x0;
        c1 += v * x1;
        c2 += v * x2;
        c3 += v * x3;
      }
      const q = r * nOut + j;
      out[q] = act(a0);
      out[q + 1] = act(c0);
      out[q + nOut] = act(a1);
      out[q + nOut + 1] = act(c1);
      out[q + 2 * nOut] = act(a2);
      out[q + 2 * nOut + 1] = act(c2);
      out[q + 3 * nOut] = act(a3);
      out[q + 3 * nOut + 1] = act(c3);
    }
    for (; j < nOut; j++) {
      for (let t = 0; t < 4; t++) {
        let s = b[j];
        for (let i = 0; i < nIn; i++) s += W[j * nIn + i] * inp[(r + t) * nIn + i];
        out[(r + t) * nOut + j] = act(s);
      }
    }
  }
  for (; r < n; r++) {
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      for (let i = 0; i < nIn; i++) s += W[j * nIn + i] * inp[r * nIn + i];
      out[r * nOut + j] = act(s);
    }
  }
}

function createMlp(d: number, h1: number, h2: number, seed: number): ExplainableModel {
  const g = createGenerator(seed);
  const init = (nIn: number, nOut: number): Float64Array => Float64Array.from({ length: nIn * nOut }, () => (g.normal() * 1.4) / Math.sqrt(nIn));
  const W1 = init(d, h1);
  const W2 = init(h1, h2);
  const W3 = init(h2, 3);
  const b1 = Float64Array.from({ length: h1 }, () => 0.1 * g.normal());
  const b2 = Float64Array.from({ length: h2 }, () => 0.1 * g.normal());
  const b3 = Float64Array.from([0.25, -0.3, 0]);
  // The same network as `models/explainable.ts` describes a served MLP (weights `[in][out]`,
  // identity standardisation), so the engines take the structural path served models take.
  const inOut = (W: Float64Array, nIn: number, nOut: number): Float64Array => Float64Array.from({ length: nIn * nOut }, (_, k) => W[(k % nOut) * nIn + Math.floor(k / nOut)]);
  const network = WHITE_BOX
    ? {
        mean: new Float64Array(d),
        invStd: new Float64Array(d).fill(1),
        layers: [
          { inSize: d, outSize: h1, w: inOut(W1, d, h1), b: b1 },
          { inSize: h1, outSize: h2, w: inOut(W2, h1, h2), b: b2 },
          { inSize: h2, outSize: 3, w: inOut(W3, h2, 3), b: b3 },
        ],
        output: 'softmax' as const,
      }
    : undefined;
  return {
    ...(network ? { network } : {}),
    nFeatures: d,
    nOutputs: 3,
    outputNames: ['home', 'draw', 'away'],
    predict(X, n) {
      // Tiles of 256 rows keep the hidden activations in cache however large the batch is,
      // as a BLAS-backed runtime would.
      const tile = 256;
      const a1 = new Float64Array(tile * h1);
      const a2 = new Float64Array(tile * h2);
      const z = new Float64Array(n * 3);
      for (let first = 0; first < n; first += tile) {
        const count = Math.min(tile, n - first);
        denseLayer(X.subarray(first * d, (first + count) * d), count, d, W1, b1, h1, true, a1);
        denseLayer(a1, count, h1, W2, b2, h2, true, a2);
        denseLayer(a2, count, h2, W3, b3, 3, false, z.subarray(first * 3, (first + count) * 3));
      }
      for (let r = 0; r < n; r++) {
        const o = r * 3;
        const m = Math.max(z[o], z[o + 1], z[o + 2]);
        const e0 = Math.exp(z[o] - m);
        const e1 = Math.exp(z[o + 1] - m);
        const e2 = Math.exp(z[o + 2] - m);
        const s = e0 + e1 + e2;
        z[o] = e0 / s;
        z[o + 1] = e1 / s;
        z[o + 2] = e2 / s;
      }
      return z;
    },
  };
}

/**
 * Straightforward unbatched Kernel SHAP, the way it is usually written: sample `nSamples`
 * coalitions from the Shapley kernel (paired), evaluate each with its own model call over
 * the whole background, then solve the additivity-constrained weighted least squares.
 */
function unbatchedKernelShap(model: ExplainableModel, x: Float64Array, bg: Background, nSamples: number, seed: number): Float64Array {
  const d = model.nFeatures;
  const nOut = model.nOutputs;
  const K = bg.nRows;
  const w = bg.weights ?? new Float64Array(K).fill(1 / K);
  const g = createGenerator(seed);
  const mean = (rows: Float64Array): Float64Array => {
    const out = model.predict(rows, K);
    const v = new Float64Array(nOut);
    for (let b = 0; b < K; b++) for (let k = 0; k < nOut; k++) v[k] += w[b] * out[b * nOut + k];
    return v;
  };
  const base = mean(bg.data);
  const fx = model.predict(x, 1);
  const sizeWeights: number[] = [];
  for (let s = 1; s < d; s++) sizeWeights.push((d - 1) / (s * (d - s)));
  const total = sizeWeights.reduce((a, b) => a + b, 0);
  const masks: Uint8Array[] = [];
  const values: Float64Array[] = [];
  const rows = new Float64Array(K * d);
  for (let t = 0; t < nSamples; t += 2) {
    let u = g.uniform() * total;
    let s = 1;
    while (u > sizeWeights[s - 1] && s < d - 1) u -= sizeWeights[s++ - 1];
    const mask = new Uint8Array(d);
    const idx = Array.from({ length: d }, (_, i) => i);
    for (let i = 0; i < s; i++) {
      const j = i + Math.floor(g.uniform() * (d - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
      mask[idx[i]] = 1;
    }
    for (const m of [mask, mask.map((v) => 1 - v)]) {
      for (let b = 0; b < K; b++) for (let f = 0; f < d; f++) rows[b * d + f] = m[f] ? x[f] : bg.data[b * d + f];
      masks.push(m);
      values.push(mean(rows));
    }
  }
  // Eliminate the last feature: phi_last = delta − Σ others; equal weights (sampled by kernel).
  const n = d - 1;
  const phi = new Float64Array(d * nOut);
  for (let k = 0; k < nOut; k++) {
    const delta = fx[k] - base[k];
    const A = new Float64Array(n * (n + 1));
    masks.forEach((m, c) => {
      const t = values[c][k] - base[k] - m[d - 1] * delta;
      for (let i = 0; i < n; i++) {
        const ai = m[i] - m[d - 1];
        if (ai === 0) continue;
        for (let j = 0; j < n; j++) A[i * (n + 1) + j] += ai * (m[j] - m[d - 1]);
        A[i * (n + 1) + n] += ai * t;
      }
    });
    for (let col = 0; col < n; col++) {
      let piv = col;
      for (let r = col + 1; r < n; r++) if (Math.abs(A[r * (n + 1) + col]) > Math.abs(A[piv * (n + 1) + col])) piv = r;
      for (let j = 0; j <= n; j++) [A[col * (n + 1) + j], A[piv * (n + 1) + j]] = [A[piv * (n + 1) + j], A[col * (n + 1) + j]];
      for (let r = 0; r < n; r++) {
        if (r === col) continue;
        const f = A[r * (n + 1) + col] / A[col * (n + 1) + col];
        for (let j = col; j <= n; j++) A[r * (n + 1) + j] -= f * A[col * (n + 1) + j];
      }
    }
    let sum = 0;
    for (let i = 0; i < n; i++) {
      phi[i * nOut + k] = A[i * (n + 1) + n] / A[i * (n + 1) + i];
      sum += phi[i * nOut + k];
    }
    phi[n * nOut + k] = delta - sum;
  }
  return phi;
}

interface Run {
  name: string;
  features: number;
  engine: string;
  background: string;
  nSamples: number | null;
  rowsTimed: number;
  p50Ms: number;
  p99Ms: number;
  setupMs: number;
  /** Mean process CPU time per explanation: less sensitive than wall time to a busy machine. */
  cpuMsMean: number;
  /** Median of the explanations' own process CPU times: a collection or a slow first row moves it less than the mean. */
  cpuP50Ms: number;
  modelRowsPerRow: number | null;
  /** Mean over the timed rows of the model rows (coalition × background row pairs) evaluated per explanation. */
  modelRowsMean: number | null;
  modelCallsPerRow: number | null;
  maxAbsErrorVsReference: number | null;
}

interface Config {
  name: string;
  rows: number;
  background: 'full' | number;
  /** Options for `createExplainer`; absent for the unbatched baseline. */
  options?: Omit<AutoExplainOptions, 'background'>;
  reference?: boolean;
  /** Explain through `createAsyncExplainer(...).explainRowsAsync` (the float32 onnxruntime engine where it applies). */
  onnx?: boolean;
  /** `false`: the onnxruntime engine evaluates every background row on all 2^M coalitions. */
  exactReduction?: boolean;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function maxAbsDiff(a: Float64Array[], b: Float64Array[]): number {
  let m = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) for (let j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
  return m;
}

function log(line: string): void {
  if (!JSON_OUTPUT) console.log(line);
}

const BASELINE_SAMPLES = 2048;

async function benchModel(d: number, hidden: [number, number], seed: number, configs: Config[], flags: readonly number[] = []): Promise<Run[]> {
  const model = createMlp(d, hidden[0], hidden[1], seed);
  const train = syntheticData(2000, d, seed + 1, flags);
  const rows = syntheticData(200, d, seed + 2, flags);
  const bg100 = selectBackground(train, 2000, d, { size: 100, method: 'kmeans', seed: 3 });
  log(`\n${d} features${flags.length ? ` (${flags.length} of them missing flags)` : ''}: MLP ${d}→${hidden[0]}→${hidden[1]}→3, background ${bg100.nRows} rows (weighted k-means of 2000 rows)`);
  const runs: Run[] = [];
  let reference: Float64Array[] = [];
  let referenceName = '';
  for (const config of configs) {
    const bg = config.background === 'full' ? bg100 : selectBackground(train, 2000, d, { size: config.background, method: 'kmeans', seed: 3 });
    const bgLabel = config.background === 'full' ? `k-means ${bg.nRows}` : `k-means ${bg.nRows} (summary)`;
    type Explained = { phi: Float64Array; rows: number; calls: number };
    let explainRow: (x: Float64Array) => Explained | Promise<Explained>;
    let engine = 'kernel (unbatched)';
    const setupStart = performance.now();
    if (config.options === undefined) {
      explainRow = (x) => ({ phi: unbatchedKernelShap(model, x, bg, BASELINE_SAMPLES, 11), rows: BASELINE_SAMPLES * bg.nRows + bg.nRows + 1, calls: BASELINE_SAMPLES + 2 });
    } else if (config.onnx) {
      const explainer = await createAsyncExplainer(model, { ...config.options, background: bg, intraOpNumThreads: ORT_THREADS, exactReduction: config.exactReduction });
      engine = `${explainer.engine} (${explainer.asyncEngine === 'onnxruntime' ? 'onnxruntime float32' : 'js, onnxruntime unavailable'})`;
      explainRow = async (x) => {
        const [e] = await explainer.explainRowsAsync(x, 1);
        return { phi: e.phi, rows: e.stats.modelRows, calls: e.stats.modelCalls };
      };
    } else {
      const explainer = createExplainer(model, { ...config.options, background: bg });
      engine = explainer.engine;
      explainRow = (x) => {
        const e = explainer.explain(x);
        return { phi: e.phi, rows: e.stats.modelRows, calls: e.stats.modelCalls };
      };
    }
    const setupMs = performance.now() - setupStart;
    // Slow configurations get one warm-up run, the reference none: JIT warm-up is a few rows.
    const warm = config.rows >= 50 ? 3 : config.reference ? 0 : 1;
    for (let i = 0; i < warm; i++) await explainRow(rows.slice(i * d, (i + 1) * d));
    const times: number[] = [];
    const phis: Float64Array[] = [];
    let last = { rows: 0, calls: 0 };
    let rowsSum = 0;
    const cpus: number[] = [];
    const cpuStart = process.cpuUsage();
    for (let r = 0; r < config.rows; r++) {
      const x = rows.slice(r * d, (r + 1) * d);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const out = await explainRow(x);
      const c = process.cpuUsage(c0);
      times.push(performance.now() - t0);
      cpus.push((c.user + c.system) / 1000);
      phis.push(out.phi);
      rowsSum += out.rows;
      last = out;
    }
    const cpu = process.cpuUsage(cpuStart);
    times.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    if (config.reference) {
      reference = phis;
      referenceName = config.name;
    }
    const run: Run = {
      name: config.name,
      features: d,
      engine,
      background: bgLabel,
      nSamples: config.options === undefined ? BASELINE_SAMPLES : ((config.options as KernelOptions).nSamples ?? null),
      rowsTimed: config.rows,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      setupMs,
      cpuMsMean: (cpu.user + cpu.system) / 1000 / config.rows,
      cpuP50Ms: quantile(cpus, 0.5),
      modelRowsPerRow: last.rows,
      modelRowsMean: rowsSum / config.rows,
      modelCallsPerRow: last.calls,
      maxAbsErrorVsReference: config.reference ? 0 : maxAbsDiff(phis, reference),
    };
    runs.push(run);
    log(
      `  ${config.name.padEnd(54)} p50 ${run.p50Ms.toFixed(2).padStart(8)} ms  p99 ${run.p99Ms.toFixed(2).padStart(8)} ms  cpu ${run.cpuMsMean.toFixed(2).padStart(8)} ms (p50 ${run.cpuP50Ms.toFixed(2).padStart(7)})  ` +
        `rows/expl ${String(Math.round(run.modelRowsMean!)).padStart(7)}  calls ${String(run.modelCallsPerRow).padStart(4)}  ` +
        `max|Δφ| ${run.maxAbsErrorVsReference!.toExponential(1)}  (${run.rowsTimed} rows)`,
    );
  }
  log(`  (max|Δφ|: largest absolute difference in probability-space SHAP vs "${referenceName}" over its rows)`);
  return runs;
}

interface ServedRun {
  name: string;
  engine: string;
  background: string;
  approximate: boolean;
  rows: number;
  p50Ms: number;
  cpuMsMean: number;
  maxAbsErrorVsExactFull: number;
  meanAbsErrorVsExactFull: number;
}

/** The served default against exact SHAP on the whole stored background (see the header). */
async function benchServed(nExplain: number): Promise<{ runs: ServedRun[]; referenceCheck: number }> {
  // bench/serving.ts's training rows and model, seed for seed.
  const { featureNames, X, model, background: bg, storedBackground: stored } = await createServedBenchModel();
  const nf = featureNames.length;
  const explainable = explainableModelOf(model);
  const rows = Float64Array.from(X.subarray(0, nExplain * nf));
  log(`\nserved: MLP ${nf}→32→16→3 (bench/serving.ts's), stored background ${bg.nRows} rows, ${nExplain} rows, predict?explain=true's default`);
  // Reference: exact on the whole stored background through onnxruntime, checked against the float64 engine on two rows.
  const exactOnnx = await createAsyncExplainer(explainable, { background: bg, engine: 'exact' });
  const reference = (await exactOnnx.explainRowsAsync(rows, nExplain)).map((e) => e.phi);
  await exactOnnx.release();
  const exact64 = createExplainer(explainable, { background: bg, engine: 'exact' }).explainRows(rows.slice(0, 2 * nf), 2).map((e) => e.phi);
  const referenceCheck = maxAbsDiff(exact64, reference.slice(0, 2));
  const classes = model.classes;
  const runs: ServedRun[] = [];
  for (const [name, onnxruntime] of [['served before: float64 engines', false], ['served now: float32 onnxruntime engines', true]] as const) {
    const runner = createExplainTaskRunner({ onnxruntime });
    const task = (r: number): ExplainTask => ({ key: `served|${name}`, model, background: stored, request: { engine: 'auto', space: 'probability', groupBy: 'correlation' }, X: rows.slice(r * nf, (r + 1) * nf), nRows: 1 });
    const warm = await runner(task(0));
    if (!warm.ok) throw new Error(`${name}: ${warm.error.code} ${warm.error.message}`);
    const times: number[] = [];
    const phis: Float64Array[] = [];
    const cpuStart = process.cpuUsage();
    for (let r = 0; r < nExplain; r++) {
      const t0 = performance.now();
      const result = await runner(task(r));
      times.push(performance.now() - t0);
      if (!result.ok) throw new Error(`${name}: ${result.error.code} ${result.error.message}`);
      // Back to the engines' layout (player-major, class-minor); every feature is its own player here.
      const item = result.items[0];
      const phi = new Float64Array(nf * classes.length);
      classes.forEach((c, k) => {
        for (const f of item.classes[c].features) {
          const j = featureNames.indexOf(f.name);
          if (j < 0) throw new Error(`${name}: player ${f.name} is a group; the comparison needs one feature per player`);
          phi[j * classes.length + k] = f.shap;
        }
      });
      phis.push(phi);
    }
    const cpu = process.cpuUsage(cpuStart);
    times.sort((a, b) => a - b);
    let sum = 0;
    let count = 0;
    phis.forEach((p, i) => p.forEach((v, j) => { sum += Math.abs(v - reference[i][j]); count++; }));
    const item = warm.items[0];
    const run: ServedRun = {
      name,
      engine: item.engine,
      background: item.background.source,
      approximate: item.approximate,
      rows: nExplain,
      p50Ms: quantile(times, 0.5),
      cpuMsMean: (cpu.user + cpu.system) / 1000 / nExplain,
      maxAbsErrorVsExactFull: maxAbsDiff(phis, reference),
      meanAbsErrorVsExactFull: sum / count,
    };
    runs.push(run);
    log(`  ${name.padEnd(44)} ${run.engine.padEnd(7)} p50 ${run.p50Ms.toFixed(2).padStart(7)} ms  cpu ${run.cpuMsMean.toFixed(2).padStart(7)} ms  max|Δφ| ${run.maxAbsErrorVsExactFull.toFixed(4)}  mean|Δφ| ${run.meanAbsErrorVsExactFull.toExponential(2)}  (${run.background.slice(0, 60)})`);
  }
  log(`  (reference: exact on all ${bg.nRows} stored rows, onnxruntime float32; max |Δφ| against the float64 engine on 2 rows ${referenceCheck.toExponential(1)})`);
  return { runs, referenceCheck };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadavgStart = os.loadavg();
  const onnxName = `exact, background 100, onnxruntime float32${ORT_THREADS > 1 ? `, ${ORT_THREADS} threads` : ''}`;
  const served = await benchServed(SERVED_ROWS);
  if (SERVED_ONLY) {
    if (JSON_OUTPUT) console.log(JSON.stringify({ bench: 'explain', served }, null, 2));
    return;
  }
  const runs12 = await benchModel(12, [32, 16], 100, [
    { name: 'exact, background 100 [reference]', rows: 10, background: 'full', options: { engine: 'exact' }, reference: true },
    { name: onnxName, rows: 30, background: 'full', options: { engine: 'exact' }, onnx: true },
    { name: `baseline: unbatched kernel ${BASELINE_SAMPLES}, background 100`, rows: 10, background: 'full' },
    { name: `kernel ${BASELINE_SAMPLES}, background 100 (batched)`, rows: 10, background: 'full', options: { engine: 'kernel', nSamples: BASELINE_SAMPLES } },
    { name: 'kernel all 4094 coalitions, bg 100, 2 bg rows/coal', rows: 200, background: 'full', options: { engine: 'kernel', nSamples: 4096, backgroundSamples: 2 } },
    { name: 'exact, background k-means 4', rows: 200, background: 4, options: { engine: 'exact' } },
    { name: 'exact, background k-means 2', rows: 200, background: 2, options: { engine: 'exact' } },
  ]);
  const runs12flags = await benchModel(
    12,
    [32, 16],
    100,
    [
      { name: 'exact, background 100 [reference]', rows: 10, background: 'full', options: { engine: 'exact' }, reference: true },
      { name: onnxName, rows: 30, background: 'full', options: { engine: 'exact' }, onnx: true },
      { name: `${onnxName}, unreduced`, rows: 30, background: 'full', options: { engine: 'exact' }, onnx: true, exactReduction: false },
    ],
    [6, 11],
  );
  const runs30 = await benchModel(30, [64, 32], 200, [
    { name: 'kernel 8192, background 100 [reference]', rows: 3, background: 'full', options: { engine: 'kernel', nSamples: 8192, seed: 99 }, reference: true },
    { name: `baseline: unbatched kernel ${BASELINE_SAMPLES}, background 100`, rows: 5, background: 'full' },
    { name: `kernel ${BASELINE_SAMPLES}, background 100 (batched)`, rows: 5, background: 'full', options: { engine: 'kernel', nSamples: BASELINE_SAMPLES } },
    { name: `kernel ${BASELINE_SAMPLES}, background k-means 2`, rows: 200, background: 2, options: { engine: 'kernel', nSamples: BASELINE_SAMPLES } },
    { name: `kernel ${BASELINE_SAMPLES}, bg 100, 1 bg row/coalition`, rows: 200, background: 'full', options: { engine: 'kernel', nSamples: BASELINE_SAMPLES, backgroundSamples: 1 } },
  ]);

  const find = (runs: Run[], prefix: string): Run => runs.find((r) => r.name.startsWith(prefix))!;
  const base12 = find(runs12, 'baseline');
  const base30 = find(runs30, 'baseline');
  const exactFull = find(runs12, 'exact, background 100 [');
  const exactOnnx = find(runs12, 'exact, background 100, onnxruntime');
  const exactFast = find(runs12, 'exact, background k-means 2');
  const flagsReduced = runs12flags.find((r) => r.name === onnxName)!;
  const flagsUnreduced = runs12flags.find((r) => r.name === `${onnxName}, unreduced`)!;
  const kernel12Same = find(runs12, `kernel ${BASELINE_SAMPLES}, background 100`);
  const kernelSame = find(runs30, `kernel ${BASELINE_SAMPLES}, background 100`);
  const kernelFast = find(runs30, `kernel ${BASELINE_SAMPLES}, bg 100, 1 bg row`);
  const ratios = {
    exact12_kmeans2_vs_baseline: base12.p50Ms / exactFast.p50Ms,
    exact12_bg100_vs_baseline: base12.p50Ms / exactFull.p50Ms,
    exact12_bg100_onnx_vs_js_exact: exactFull.p50Ms / exactOnnx.p50Ms,
    exact12_bg100_onnx_vs_js_exact_cpu: exactFull.cpuMsMean / exactOnnx.cpuMsMean,
    kernel12_sameWork_vs_baseline: base12.p50Ms / kernel12Same.p50Ms,
    kernel30_1bgRow_vs_baseline: base30.p50Ms / kernelFast.p50Ms,
    kernel30_sameWork_vs_baseline: base30.p50Ms / kernelSame.p50Ms,
    exact12_flags_reduced_vs_unreduced_cpu: flagsUnreduced.cpuMsMean / flagsReduced.cpuMsMean,
    exact12_flags_reduced_vs_unreduced_work: flagsUnreduced.modelRowsMean! / flagsReduced.modelRowsMean!,
  };
  const targets = {
    exact12_p50_le_10ms: { config: exactFast.name, p50Ms: exactFast.p50Ms, met: exactFast.p50Ms <= 10 },
    exact12_bg100_p50_le_20ms: { config: exactOnnx.name, p50Ms: exactOnnx.p50Ms, cpuMsMean: exactOnnx.cpuMsMean, cpuP50Ms: exactOnnx.cpuP50Ms, maxAbsErrorVsReference: exactOnnx.maxAbsErrorVsReference, met: exactOnnx.p50Ms <= 20 },
    kernel30_p50_le_10ms: { config: kernelFast.name, p50Ms: kernelFast.p50Ms, cpuMsMean: kernelFast.cpuMsMean, met: kernelFast.p50Ms <= 10 },
    speedup_ge_20x: {
      exact12: ratios.exact12_kmeans2_vs_baseline,
      kernel30: ratios.kernel30_1bgRow_vs_baseline,
      met: ratios.exact12_kmeans2_vs_baseline >= 20 && ratios.kernel30_1bgRow_vs_baseline >= 20,
    },
  };
  const totalSeconds = (performance.now() - started) / 1000;
  const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', loadavg1m: os.loadavg()[0], loadavgStart, loadavgEnd: os.loadavg(), ortThreads: ORT_THREADS, whiteBox: WHITE_BOX };
  if (JSON_OUTPUT) {
    console.log(JSON.stringify({ bench: 'explain', machine, runs: [...runs12, ...runs12flags, ...runs30], served, ratios, targets, totalSeconds }, null, 2));
    return;
  }
  log('\nratios (baseline p50 / engine p50, same process):');
  for (const [k, v] of Object.entries(ratios)) log(`  ${k.padEnd(36)} ${v.toFixed(1)}×`);
  log('targets:');
  for (const [k, v] of Object.entries(targets)) log(`  ${k.padEnd(28)} ${JSON.stringify(v, (_, x) => (typeof x === 'number' ? Number(x.toFixed(2)) : x))}`);
  log(`total ${totalSeconds.toFixed(1)} s; node ${machine.node}; ${machine.cpus} × ${machine.cpu}; load average ${loadavgStart.map((v) => v.toFixed(2)).join(' ')} at start, ${machine.loadavgEnd.map((v) => v.toFixed(2)).join(' ')} at end`);
}

await main();
