/**
 * Training-speed benchmark for the dense model family.
 *
 * Synthetic 50k rows × 32 features, 3 classes; MLP 32-64-32-3, Adam (lr 1e-3), 3 epochs, batch 256
 * and 1024. Runners: our trainer on both kernel paths (WebAssembly SIMD, the default where supported,
 * and the plain Float32Array fallback), the `algo: "tfjs"` trainer (models/tfjs-train.ts: the same
 * network as a Layers config, `model.fit` one epoch per call over a seeded shuffle, then the export
 * a job stores), stock tfjs `model.fit` on the active backend (wasm here), and PyTorch 1-thread via
 * bench/training_torch.py (Debian python3-torch) as the baseline. Each figure also has its ratio to
 * our dense trainer's default kernel path at the same batch size (`ratioToDense`); `--json` adds
 * `tfjsVsDense`, the tfjs trainer beside the dense one per batch size.
 *
 *   npx tsx bench/training.ts            table
 *   npx tsx bench/training.ts --json     one JSON document
 *   npx tsx bench/training.ts --quick    10k rows (smoke run)
 *   --repeat N                            runs per figure for our trainers and PyTorch, fastest kept
 *                                         (default 2; the machine is shared, the minimum is the
 *                                         least-disturbed run). Stock tfjs model.fit runs once (slow).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultTrainerKernels, initTf, train, trainTfjs, type TfjsSpec, type TrainerKernels, type TrainingData } from '../models/index.ts';
import { exitOnHelp } from './usage.ts';

/** Debian's interpreter (python3-torch is an apt package); override with SHARPLINE_BENCH_PYTHON. */
const PYTHON = process.env.SHARPLINE_BENCH_PYTHON ?? '/usr/bin/python3';
const HIDDEN = [64, 32];
const EPOCHS = 3;
const BATCHES = [256, 1024];
const LEARNING_RATE = 0.001;

interface Figure {
  runner: string;
  batch: number;
  seconds: number | null;
  finalLoss: number | null;
  ratioToTorch: number | null;
  /** seconds / our dense trainer's (default kernel path) at the same batch size. */
  ratioToDense: number | null;
  note?: string;
}

function synthetic(nRows: number, nFeatures: number, seed: number): TrainingData {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const weights = Array.from({ length: nFeatures }, () => rand() * 2 - 1);
  const X = new Float32Array(nRows * nFeatures);
  const y = new Int32Array(nRows);
  for (let r = 0; r < nRows; r++) {
    let z = 0;
    for (let f = 0; f < nFeatures; f++) {
      const v = rand() * 2 - 1;
      X[r * nFeatures + f] = v;
      z += v * weights[f];
    }
    z += (rand() - 0.5) * 2;
    y[r] = z < -0.4 ? 0 : z > 0.4 ? 2 : 1;
  }
  return { X, y, nRows, nFeatures, classes: ['home', 'draw', 'away'] };
}

async function runOurs(data: TrainingData, batch: number, kernels: TrainerKernels): Promise<{ seconds: number; loss: number }> {
  const started = performance.now();
  const result = await train(
    data,
    {
      algo: 'mlp',
      hidden: HIDDEN,
      dropout: 0,
      l2: 0,
      learningRate: LEARNING_RATE,
      batchSize: batch,
      epochs: EPOCHS,
      earlyStoppingPatience: 0,
      validationFraction: 0,
      seed: 1,
    },
    { kernels },
  );
  return { seconds: (performance.now() - started) / 1000, loss: result.history.at(-1)!.loss };
}

/** The bench's network as an `algo: "tfjs"` spec: Dense ReLU layers, softmax out, no validation slice. */
function tfjsSpecOf(batch: number): TfjsSpec {
  const layers = [...HIDDEN.map((units) => ({ class_name: 'Dense', config: { units, activation: 'relu' } })), { class_name: 'Dense', config: { units: 3, activation: 'softmax' } }];
  return { model: { class_name: 'Sequential', config: { layers } }, optimizer: 'adam', learningRate: LEARNING_RATE, epochs: EPOCHS, batchSize: batch, validationFraction: 0 };
}

/** The tfjs trainer as a job calls it (fit, export to tfjs's layout, dense form), timed whole. */
async function runTfjsTrainer(data: TrainingData, batch: number): Promise<{ seconds: number; loss: number; backend: string }> {
  const started = performance.now();
  const result = await trainTfjs(data, tfjsSpecOf(batch), { seed: 1 });
  return { seconds: (performance.now() - started) / 1000, loss: result.history.at(-1)!.loss, backend: result.backend };
}

async function runTfjsFit(data: TrainingData, batch: number): Promise<{ seconds: number; loss: number }> {
  const { tf } = await initTf();
  const model = tf.sequential();
  HIDDEN.forEach((units, i) => model.add(tf.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [data.nFeatures] } : {}) })));
  model.add(tf.layers.dense({ units: data.classes.length, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor2d(data.X, [data.nRows, data.nFeatures]);
  const ys = tf.tensor2d(Float32Array.from(data.y as ArrayLike<number>), [data.nRows, 1]);
  try {
    const started = performance.now();
    const history = await model.fit(xs, ys, { batchSize: batch, epochs: EPOCHS, shuffle: true, verbose: 0 });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, loss: Number(history.history.loss.at(-1)) };
  } finally {
    xs.dispose();
    ys.dispose();
    model.dispose();
  }
}

function runTorch(data: TrainingData, repeat: number): { runs: Map<number, { seconds: number; loss: number }>; version?: string; error?: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sharpline-bench-'));
  try {
    const xPath = path.join(dir, 'x.f32');
    const yPath = path.join(dir, 'y.i32');
    // Both files little-endian, as numpy reads them with '<f4' / '<i4'.
    writeFileSync(xPath, Buffer.from(data.X.buffer, data.X.byteOffset, data.X.byteLength));
    const y = Int32Array.from(data.y as ArrayLike<number>);
    writeFileSync(yPath, Buffer.from(y.buffer));
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'training_torch.py');
    const args = [script, '--x', xPath, '--y', yPath, '--rows', String(data.nRows), '--features', String(data.nFeatures)];
    args.push('--classes', String(data.classes.length), '--hidden', HIDDEN.join(','), '--epochs', String(EPOCHS));
    args.push('--batches', BATCHES.join(','), '--lr', String(LEARNING_RATE), '--repeat', String(repeat));
    const child = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
    if (child.error || child.status !== 0) {
      const reason = child.error ? child.error.message : child.stderr.trim().split('\n').at(-1);
      return { runs: new Map(), error: `PyTorch unavailable (${PYTHON}; apt-get install python3-torch): ${reason}` };
    }
    const parsed = JSON.parse(child.stdout) as { torch: string; runs: Array<{ batch: number; seconds: number; loss: number }> };
    return { runs: new Map(parsed.runs.map((r) => [r.batch, { seconds: r.seconds, loss: r.loss }])), version: parsed.torch };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  exitOnHelp(import.meta.url);
  const json = process.argv.includes('--json');
  const quick = process.argv.includes('--quick');
  const nRows = quick ? 10_000 : 50_000;
  const nFeatures = 32;
  const repeatAt = process.argv.indexOf('--repeat');
  const repeat = repeatAt > 0 ? Math.max(1, Number.parseInt(process.argv[repeatAt + 1], 10) || 1) : 2;
  const data = synthetic(nRows, nFeatures, 7);

  const torch = runTorch(data, repeat);
  const { backend } = await initTf();
  // Kernel paths to time: the default one (WebAssembly SIMD where supported) and the JS fallback.
  const kernelPaths: TrainerKernels[] = defaultTrainerKernels() === 'wasm-simd' ? ['wasm-simd', 'js'] : ['js'];
  const label: Record<TrainerKernels, string> = { 'wasm-simd': 'sharpline trainer (wasm simd)', js: 'sharpline trainer (js fallback)' };
  // One short run first so V8 has compiled the kernels before anything is timed (torch warms up too).
  for (const kernels of kernelPaths) await runOurs(synthetic(4096, nFeatures, 8), 256, kernels);

  // The tfjs trainer warms up too (tfjs compiles its wasm kernels and builds the graph on first use).
  await runTfjsTrainer(synthetic(4096, nFeatures, 8), 256);

  const figures: Figure[] = [];
  const tfjsVsDense: Array<{ batch: number; denseSeconds: number; tfjsSeconds: number; ratio: number; tfjsBackend: string }> = [];
  const add = (runner: string, batch: number, value: { seconds: number; loss: number } | undefined, dense: number | undefined, note?: string): void => {
    const base = torch.runs.get(batch)?.seconds;
    figures.push({
      runner,
      batch,
      seconds: value?.seconds ?? null,
      finalLoss: value?.loss ?? null,
      ratioToTorch: value && base ? value.seconds / base : null,
      ratioToDense: value && dense ? value.seconds / dense : null,
      ...(note ? { note } : {}),
    });
  };
  const fastest = async <T extends { seconds: number }>(run: () => Promise<T>): Promise<T> => {
    let best = await run();
    for (let i = 1; i < repeat; i++) {
      const again = await run();
      if (again.seconds < best.seconds) best = again;
    }
    return best;
  };
  for (const batch of BATCHES) {
    const ours = new Map<TrainerKernels, { seconds: number; loss: number }>();
    for (const kernels of kernelPaths) ours.set(kernels, await fastest(() => runOurs(data, batch, kernels)));
    const dense = ours.get(kernelPaths[0]!)!.seconds;
    add(`pytorch ${torch.version ?? ''} 1 thread`.replace('  ', ' '), batch, torch.runs.get(batch), dense, torch.error);
    for (const kernels of kernelPaths) add(label[kernels], batch, ours.get(kernels), dense);
    const tfjsTrainer = await fastest(() => runTfjsTrainer(data, batch));
    add(`sharpline algo tfjs (model.fit, ${tfjsTrainer.backend})`, batch, tfjsTrainer, dense);
    tfjsVsDense.push({ batch, denseSeconds: dense, tfjsSeconds: tfjsTrainer.seconds, ratio: tfjsTrainer.seconds / dense, tfjsBackend: tfjsTrainer.backend });
    add(`tfjs model.fit (${backend})`, batch, await runTfjsFit(data, batch), dense);
  }

  const meta = {
    rows: nRows,
    features: nFeatures,
    classes: 3,
    architecture: [nFeatures, ...HIDDEN, 3].join('-'),
    epochs: EPOCHS,
    optimizer: `adam lr ${LEARNING_RATE}`,
    repeat,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
  };
  if (json) {
    console.log(JSON.stringify({ ...meta, torchError: torch.error ?? null, figures, tfjsVsDense }, null, 2));
    return;
  }
  console.log(`Training speed: ${nRows} rows × ${nFeatures} features, MLP ${meta.architecture}, ${EPOCHS} epochs, Adam`);
  console.log(`(best of ${repeat} for trainer and PyTorch; ${meta.cpus} CPUs, 1-min load average ${meta.loadAverage1m})`);
  if (torch.error) console.log(`NOTE: ${torch.error}; ratios are not available.`);
  const rows = figures.map((f) => [
    f.runner,
    String(f.batch),
    f.seconds === null ? 'n/a' : f.seconds.toFixed(3),
    f.ratioToTorch === null ? 'n/a' : `${f.ratioToTorch.toFixed(2)}×`,
    f.ratioToDense === null ? 'n/a' : `${f.ratioToDense.toFixed(2)}×`,
    f.finalLoss === null ? 'n/a' : f.finalLoss.toFixed(4),
  ]);
  const header = ['runner', 'batch', 'seconds', 'vs PyTorch', 'vs dense trainer', 'last-epoch loss'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const t of tfjsVsDense) console.log(`algo tfjs vs the dense trainer, batch ${t.batch}: ${t.tfjsSeconds.toFixed(3)} s vs ${t.denseSeconds.toFixed(3)} s = ${t.ratio.toFixed(2)}× (${t.tfjsBackend})`);
}

await main();
