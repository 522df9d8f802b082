import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus series of one serving context. Each context owns its own `Registry` (never the
 * process-global default) so several apps in one process — tests, the benchmark — keep apart.
 */
export interface ServingMetrics {
  readonly registry: Registry;
  /** Seconds from request start to response, by route pattern, method and status. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Rows predicted by one model version (counted once per request item). */
  countPredictions(model: string, version: number, rows: number): void;
  /** Rows handed to one runtime call (coalesced single rows or a batch request). */
  observeBatch(model: string, version: number, rows: number): void;
  /** An alias moved and the served version was swapped in memory. */
  countSwap(model: string, alias: string): void;
  /** Prediction-log entries dropped because the buffer was full. */
  countLogDropped(n: number): void;
  /** An explanation of `rows` rows was handed to the worker pool / came back (or failed). */
  explanationStarted(rows: number): void;
  explanationEnded(rows: number): void;
  /** One runtime call's seconds, by model, version and runtime (onnx or tfjs). */
  observeInference(model: string, version: number, runtime: string, seconds: number): void;
  /** One explanation request's seconds on the worker threads, by model, version and engine. */
  observeExplanation(model: string, version: number, engine: string, seconds: number): void;
  /** One job's seconds from start to end on a worker, by queue and outcome (completed, failed). */
  observeJob(queue: string, outcome: string, seconds: number): void;
  /** Where `sharpline_queue_jobs{queue,state}` is read from at scrape time (the context's queues). */
  setQueueDepthReader(read: () => Promise<Array<{ queue: string; state: string; count: number }>>): void;
  /** Where the drift gauges (`sharpline_drift_*`, `sharpline_live_*`) are read from at scrape time (the latest drift reports). */
  setDriftReader(read: () => Promise<readonly DriftGaugeRow[]>): void;
  /** A model version loaded into memory (ok) or failed to (runtime 'none'). */
  countLoad(model: string, version: number, runtime: string, ok: boolean): void;
  /** Text exposition (Prometheus format). */
  render(): Promise<string>;
  readonly contentType: string;
}

/** One version's latest drift report, as the gauges show it (null: not measured). */
export interface DriftGaugeRow {
  model: string;
  version: number;
  /** Unix seconds the report was computed. */
  computedAt: number;
  /** Served rows compared with the training distribution. */
  rows: number;
  psi: readonly { feature: string; value: number }[];
  games: number;
  modelLogLoss: number | null;
  marketLogLoss: number | null;
  calibrationError: number | null;
  warnings: number;
}

export interface ServingMetricsOptions {
  /** Read at scrape time: live tfjs tensors (0 while tfjs is not loaded). */
  tensorCount?: () => number;
  /** Read at scrape time: versions held in memory. */
  loadedVersions?: () => number;
  /** Default Node.js series (event-loop lag, heap, GC); default true. */
  defaultMetrics?: boolean;
}

/**
 * prom-client's default Node.js series, less the three `nodejs_active_*_total` gauges: a gauge
 * named `_total` is a counter's name (`promtool check metrics` refuses it), and the same counts
 * are there by type as `nodejs_active_handles`, `nodejs_active_requests`, `nodejs_active_resources`.
 */
export function registerDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384];

export function createServingMetrics(options: ServingMetricsOptions = {}): ServingMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) registerDefaultMetrics(registry);
  const http = new Histogram({
    name: 'sharpline_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const predictions = new Counter({
    name: 'sharpline_predictions_total',
    help: 'Rows predicted, by model and version',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  });
  const batch = new Histogram({
    name: 'sharpline_runtime_batch_rows',
    help: 'Rows per runtime call (coalesced single-row requests or one batch request)',
    labelNames: ['model', 'version'] as const,
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'sharpline_inference_duration_seconds',
    help: 'Seconds per runtime call (coalesced rows or one batch), by model, version and runtime',
    labelNames: ['model', 'version', 'runtime'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const explanation = new Histogram({
    name: 'sharpline_explanation_duration_seconds',
    help: 'Seconds per explanation request on the worker threads, by model, version and engine',
    labelNames: ['model', 'version', 'engine'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const loads = new Counter({
    name: 'sharpline_model_loads_total',
    help: 'Model versions loaded into memory, by model, version and runtime',
    labelNames: ['model', 'version', 'runtime'] as const,
    registers: [registry],
  });
  const loadFailures = new Counter({
    name: 'sharpline_model_load_failures_total',
    help: 'Model version loads that failed (missing or broken artifact, version not READY)',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  });
  const jobs = new Histogram({
    name: 'sharpline_job_duration_seconds',
    help: 'Seconds from a job\'s start to its end on a worker, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry],
  });
  let readDepth: (() => Promise<Array<{ queue: string; state: string; count: number }>>) | undefined;
  new Gauge({
    name: 'sharpline_queue_jobs',
    help: 'Jobs in each queue by state, read at scrape time (absent while the queue backend does not answer)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!readDepth) return;
      try {
        const rows = await readDepth();
        this.reset();
        for (const r of rows) this.labels(r.queue, r.state).set(r.count);
      } catch {
        // Redis away: the queues report the outage; the scrape still answers.
        this.reset();
      }
    },
  });
  let readDrift: (() => Promise<readonly DriftGaugeRow[]>) | undefined;
  // One read per scrape feeds every drift gauge: the first gauge collected starts it, the others await it.
  let driftRead: { at: number; rows: Promise<readonly DriftGaugeRow[]> } | undefined;
  const driftRows = (): Promise<readonly DriftGaugeRow[]> => {
    if (!readDrift) return Promise.resolve([]);
    const now = Date.now();
    if (!driftRead || now - driftRead.at > 1000) driftRead = { at: now, rows: readDrift().catch(() => []) };
    return driftRead.rows;
  };
  const driftGauge = (name: string, help: string, labelNames: readonly string[], fill: (g: Gauge<string>, r: DriftGaugeRow) => void) =>
    new Gauge({
      name,
      help,
      labelNames: labelNames as string[],
      registers: [registry],
      async collect() {
        const rows = await driftRows();
        this.reset();
        for (const r of rows) fill(this, r);
      },
    });
  const mv = (r: DriftGaugeRow) => ({ model: r.model, version: String(r.version) });
  driftGauge('sharpline_drift_feature_psi', 'Population stability index of served feature rows against the version\'s training distribution, per feature (latest drift report)', ['model', 'version', 'feature'], (g, r) => {
    for (const p of r.psi) g.set({ ...mv(r), feature: p.feature }, p.value);
  });
  driftGauge('sharpline_drift_rows', 'Served feature rows the latest drift report compared with the training distribution', ['model', 'version'], (g, r) => g.set(mv(r), r.rows));
  driftGauge('sharpline_live_games', 'Finished games scored with a prediction stored before kickoff (latest drift report)', ['model', 'version'], (g, r) => g.set(mv(r), r.games));
  driftGauge('sharpline_live_log_loss', 'Live log loss of stored pre-kickoff predictions on finished games, and the market\'s on the same games', ['model', 'version', 'predictor'], (g, r) => {
    if (r.modelLogLoss !== null) g.set({ ...mv(r), predictor: 'model' }, r.modelLogLoss);
    if (r.marketLogLoss !== null) g.set({ ...mv(r), predictor: 'market' }, r.marketLogLoss);
  });
  driftGauge('sharpline_live_calibration_error', 'Expected calibration error of stored pre-kickoff predictions on finished games', ['model', 'version'], (g, r) => {
    if (r.calibrationError !== null) g.set(mv(r), r.calibrationError);
  });
  driftGauge('sharpline_drift_warnings', 'Drift thresholds crossed in the latest report of each version', ['model', 'version'], (g, r) => g.set(mv(r), r.warnings));
  driftGauge('sharpline_drift_report_timestamp_seconds', 'When the latest drift report of each version was computed (Unix seconds)', ['model', 'version'], (g, r) => g.set(mv(r), r.computedAt));

  const swaps = new Counter({
    name: 'sharpline_model_cache_swaps_total',
    help: 'Served versions swapped in memory after an alias moved',
    labelNames: ['model', 'alias'] as const,
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'sharpline_prediction_log_dropped_total',
    help: 'Sampled prediction-log entries dropped because the buffer was full',
    registers: [registry],
  });
  const explaining = new Gauge({
    name: 'sharpline_explain_rows_in_flight',
    help: 'Rows being explained right now (queued for or running on the explanation threads)',
    registers: [registry],
  });
  const explained = new Counter({
    name: 'sharpline_explain_rows_total',
    help: 'Rows handed to the explanation threads',
    registers: [registry],
  });
  const tensorCount = options.tensorCount ?? (() => 0);
  new Gauge({
    name: 'sharpline_tfjs_tensors',
    help: 'Live TensorFlow.js tensors (tf.memory().numTensors); must stay flat',
    registers: [registry],
    collect() {
      this.set(tensorCount());
    },
  });
  const loadedVersions = options.loadedVersions ?? (() => 0);
  new Gauge({
    name: 'sharpline_model_cache_versions',
    help: 'Model versions loaded in memory',
    registers: [registry],
    collect() {
      this.set(loadedVersions());
    },
  });

  // Label children are cached: `labels()` hashes its arguments, which is measurable per request.
  const httpChildren = new Map<string, ReturnType<typeof http.labels>>();
  const predictionChildren = new Map<string, Map<number, ReturnType<typeof predictions.labels>>>();
  const batchChildren = new Map<string, ReturnType<typeof batch.labels>>();
  const inferenceChildren = new Map<string, ReturnType<typeof inference.labels>>();
  return {
    registry,
    contentType: registry.contentType,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let child = httpChildren.get(key);
      if (!child) httpChildren.set(key, (child = http.labels(method, route, String(status))));
      child.observe(seconds);
    },
    countPredictions(model, version, rows) {
      // By model, then version: no key string is built per request.
      let perModel = predictionChildren.get(model);
      if (!perModel) predictionChildren.set(model, (perModel = new Map()));
      let child = perModel.get(version);
      if (!child) perModel.set(version, (child = predictions.labels(model, String(version))));
      child.inc(rows);
    },
    observeBatch(model, version, rows) {
      const key = `${model}\u0000${version}`;
      let child = batchChildren.get(key);
      if (!child) batchChildren.set(key, (child = batch.labels(model, String(version))));
      child.observe(rows);
    },
    countSwap(model, alias) {
      swaps.labels(model, alias).inc();
    },
    countLogDropped(n) {
      dropped.inc(n);
    },
    explanationStarted(rows) {
      explaining.inc(rows);
      explained.inc(rows);
    },
    explanationEnded(rows) {
      explaining.dec(rows);
    },
    observeInference(model, version, runtime, seconds) {
      const key = `${model}\u0000${version}\u0000${runtime}`;
      let child = inferenceChildren.get(key);
      if (!child) inferenceChildren.set(key, (child = inference.labels(model, String(version), runtime)));
      child.observe(seconds);
    },
    observeExplanation(model, version, engine, seconds) {
      explanation.labels(model, String(version), engine).observe(seconds);
    },
    observeJob(queue, outcome, seconds) {
      jobs.labels(queue, outcome).observe(seconds);
    },
    setQueueDepthReader(read) {
      readDepth = read;
    },
    setDriftReader(read) {
      readDrift = read;
    },
    countLoad(model, version, runtime, ok) {
      if (ok) loads.labels(model, String(version), runtime).inc();
      else loadFailures.labels(model, String(version)).inc();
    },
    render: () => registry.metrics(),
  };
}
