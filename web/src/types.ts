/** The API's shapes the console reads (as in /openapi.json). */
export interface RegisteredModel {
  name: string;
  description: string;
  lastVersion: number;
  aliases: Record<string, number>;
  updatedAt: string;
}

export interface Window {
  from: string;
  to: string;
}

export interface VersionSummary {
  model: string;
  version: number;
  status: 'PENDING' | 'READY' | 'FAILED';
  statusMessage: string | null;
  runId: string;
  classes: string[];
  lineage: {
    featureSet?: { name: string; hash: string } | null;
    trainWindow?: Window | null;
    testWindow?: Window | null;
    datasetHash?: string | null;
    testDatasetHash?: string | null;
    algorithm?: string | null;
    params?: Record<string, unknown> | null;
    seed?: number | null;
    codeVersion?: string | null;
    createdBy?: string | null;
    competitions?: string[] | null;
    [key: string]: unknown;
  };
  metrics: Record<string, number>;
  aliases: string[];
  createdAt: string;
}

export interface ReliabilityBin {
  count: number;
  lower: number;
  upper: number;
  meanPredicted: number | null;
  observedFrequency: number | null;
}

export interface PredictorScores {
  n: number;
  logLoss: number;
  brier: number;
  accuracy: number;
  rps?: number;
  calibration: { ece: number; bins: ReliabilityBin[]; mode: string };
}

export interface Comparison {
  n: number;
  predictors: Record<string, PredictorScores>;
  seasons: Record<string, { n: number; predictors: Record<string, PredictorScores> }>;
}

export interface ArtifactInfo {
  kind: string;
  name: string;
  contentType: string;
  sha256: string;
  size: number;
}

export interface BacktestSummary {
  prices: string;
  pricesDescription: string;
  devig: string;
  bets: number;
  flatYield: number | null;
  flatRoi: number | null;
  flatMaxDrawdown: number;
  kellyYield: number | null;
  kellyMaxDrawdownPct: number;
  clv: number | null;
  everyOutcomeYield: number | null;
  randomYield: number | null;
}

export interface VersionDetail extends VersionSummary {
  evaluation: {
    summary?: Record<string, { n: number; logLoss: number; brier: number; accuracy: number; ece: number; rps?: number }>;
    comparisons?: Record<string, Comparison>;
    training?: { history?: Array<{ epoch: number; loss: number; valLoss?: number | null }>; bestEpoch?: number };
    [key: string]: unknown;
  };
  backtest: BacktestSummary | null;
  artifacts: ArtifactInfo[];
  predictionCount: number;
}

export interface AliasEvent {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  at: string;
}
