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
  /** Text exposition (Prometheus format). */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface ServingMetricsOptions {
  /** Read at scrape time: live tfjs tensors (0 while tfjs is not loaded). */
  tensorCount?: () => number;
  /** Read at scrape time: versions held in memory. */
  loadedVersions?: () => number;
  /** Default Node.js series (event-loop lag, heap, GC); default true. */
  defaultMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384];

export function createServingMetrics(options: ServingMetricsOptions = {}): ServingMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
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
  const predictionChildren = new Map<string, ReturnType<typeof predictions.labels>>();
  const batchChildren = new Map<string, ReturnType<typeof batch.labels>>();
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
      const key = `${model}\u0000${version}`;
      let child = predictionChildren.get(key);
      if (!child) predictionChildren.set(key, (child = predictions.labels(model, String(version))));
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
    render: () => registry.metrics(),
  };
}
