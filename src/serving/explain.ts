import type { Db } from '../shared/db.ts';
import { AppError } from '../shared/errors.ts';
import { getArtifact } from '../../registry/index.ts';
import { createExplainer, explainableModelOf, selectBackground, MAX_EXACT_PLAYERS, type Explainer, type Background, type RowExplanation } from '../../models/index.ts';
import type { ServedVersion } from './predictor.ts';

export type ExplainEngine = 'auto' | 'exact' | 'kernel' | 'linear';
export type ExplainSpace = 'probability' | 'logodds';

export interface ExplainRequest {
  engine: ExplainEngine;
  space: ExplainSpace;
  /** 'prefix' explains features sharing a name prefix (`mkt_`, `elo_` …) as one player. */
  groupBy?: 'feature' | 'prefix';
}

export interface FeatureAttribution {
  /** Feature name, or the group's prefix. */
  name: string;
  /** The row's value (a feature), or values by feature name (a group). */
  value: number | Record<string, number>;
  shap: number;
}

export interface ClassExplanation {
  /** Weighted mean model output over the background, in the output space. */
  baseValue: number;
  prediction: number;
  /** Sorted by |shap|, largest first. */
  features: FeatureAttribution[];
  /** |baseValue + Σ shap − prediction|. */
  residual: number;
}

export interface ItemExplanation {
  engine: string;
  outputSpace: ExplainSpace;
  approximate: boolean;
  background: { rows: number; source: string };
  classes: Record<string, ClassExplanation>;
}

/**
 * Multiply-adds one explanation may cost on the request path (~20 ms of one core). `auto` picks
 * exact SHAP with a background summarised to fit it, or kernel SHAP with background draws per
 * coalition sized to fit it when even a 4-row background would not.
 */
const EXPLAIN_MAC_BUDGET = 20_000_000;
const KERNEL_COALITIONS = 4096;
const MAX_CACHED_EXPLAINERS = 64;

/** Feature groups by name prefix (the part before the first underscore). */
export function prefixGroups(featureNames: readonly string[]): { groups: number[][]; names: string[] } {
  const byPrefix = new Map<string, number[]>();
  featureNames.forEach((name, i) => {
    const prefix = name.includes('_') ? name.slice(0, name.indexOf('_')) : name;
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), i]);
  });
  return { groups: [...byPrefix.values()], names: [...byPrefix.keys()] };
}

/** The version's stored background (k-means summary of its training rows, with weights). */
async function loadBackground(db: Db, served: ServedVersion): Promise<{ background: Background; source: string }> {
  let json: { rows: number[][]; weights: number[] | null; method?: string };
  try {
    json = (await getArtifact(db, served.versionId, 'background')).json as typeof json;
  } catch {
    throw new AppError('EXPLAINER_UNSUPPORTED', `${served.model} v${served.version} has no background sample to explain against`, { details: { model: served.model, version: served.version } });
  }
  const width = served.featureNames.length;
  const data = new Float64Array(json.rows.length * width);
  json.rows.forEach((row, i) => data.set(row, i * width));
  return {
    background: { data, nRows: json.rows.length, ...(json.weights ? { weights: Float64Array.from(json.weights) } : {}) },
    source: `stored ${json.method ?? 'sample'} background`,
  };
}

/**
 * Explanations for served versions. Explainers (background evaluation, coalition design, kernel
 * factorisation) are built once per version and request shape, then reused by every request.
 */
export function createExplanations(db: Db) {
  const explainers = new Map<string, Promise<{ explainer: Explainer; rows: number; source: string }>>();

  async function explainerFor(served: ServedVersion, request: ExplainRequest) {
    const key = `${served.versionId}|${request.engine}|${request.space}|${request.groupBy ?? 'feature'}`;
    let entry = explainers.get(key);
    if (!entry) {
      entry = (async () => {
        const model = explainableModelOf(served.dense);
        const { background: stored, source } = await loadBackground(db, served);
        const grouping = request.groupBy === 'prefix' ? prefixGroups(served.featureNames) : undefined;
        const players = grouping ? grouping.groups.length : served.featureNames.length;
        const macsPerRow = served.dense.layers.reduce((sum, l) => sum + l.inputSize * l.outputSize, 0);
        const exactRowsAt = (bgRows: number) => 2 ** players * bgRows * macsPerRow;
        const linearFits = request.space === 'logodds' && Boolean(model.linear);
        const engine: ExplainEngine = request.engine !== 'auto' || linearFits
          ? request.engine
          : players <= MAX_EXACT_PLAYERS && exactRowsAt(4) <= EXPLAIN_MAC_BUDGET ? 'exact' : 'kernel';
        // Exact SHAP costs 2^players × background rows per explanation: summarise the stored
        // background (weighted k-means) until that fits the budget.
        const size = engine === 'exact' ? Math.max(4, Math.min(stored.nRows, Math.floor(EXPLAIN_MAC_BUDGET / (2 ** players * macsPerRow)))) : stored.nRows;
        const backgroundSamples = engine === 'kernel' ? Math.max(1, Math.min(stored.nRows, Math.floor(EXPLAIN_MAC_BUDGET / (KERNEL_COALITIONS * macsPerRow)))) : undefined;
        const background = size < stored.nRows ? summarise(stored, size, served.featureNames.length) : stored;
        const explainer = createExplainer(model, {
          background,
          outputSpace: request.space,
          engine,
          ...(grouping ? { groups: grouping.groups, groupNames: grouping.names } : {}),
          // Kernel SHAP: each coalition against a weighted draw of background rows, sized to the budget.
          ...(backgroundSamples !== undefined && backgroundSamples < stored.nRows ? { backgroundSamples } : {}),
        });
        return { explainer, rows: background.nRows, source: size < stored.nRows ? `${source}, summarised to ${background.nRows} rows` : source };
      })();
      entry.catch(() => explainers.delete(key));
      if (explainers.size >= MAX_CACHED_EXPLAINERS) explainers.delete(explainers.keys().next().value!);
      explainers.set(key, entry);
    }
    return entry;
  }

  return {
    /** Explains `nRows` rows (row-major raw features) of a served version. */
    async explainRows(served: ServedVersion, X: Float64Array, nRows: number, request: ExplainRequest): Promise<ItemExplanation[]> {
      const { explainer, rows, source } = await explainerFor(served, request);
      const width = served.featureNames.length;
      const out: ItemExplanation[] = [];
      for (let r = 0; r < nRows; r++) out.push(toItem(explainer.explain(X.subarray(r * width, (r + 1) * width)), served, rows, source));
      return out;
    },
  };
}

export type Explanations = ReturnType<typeof createExplanations>;

/** Weighted mean of a background's rows. */
function weightedMean(b: Background, width: number): Float64Array {
  const mean = new Float64Array(width);
  let total = 0;
  for (let r = 0; r < b.nRows; r++) {
    const w = b.weights?.[r] ?? 1;
    total += w;
    for (let j = 0; j < width; j++) mean[j]! += w * b.data[r * width + j]!;
  }
  for (let j = 0; j < width; j++) mean[j]! /= total;
  return mean;
}

/**
 * A smaller k-means summary of a background that keeps its weighted mean exactly. Interventional
 * SHAP of anything linear in the features depends on the background only through that mean, so
 * log-odds attributions of a logistic model do not change with the summary's size.
 */
function summarise(stored: Background, size: number, width: number): Background {
  const summary = selectBackground(stored.data, stored.nRows, width, { size, method: 'kmeans', seed: 5 });
  const target = weightedMean(stored, width);
  const current = weightedMean(summary, width);
  const data = Float64Array.from(summary.data);
  for (let r = 0; r < summary.nRows; r++) for (let j = 0; j < width; j++) data[r * width + j]! += target[j]! - current[j]!;
  return { ...summary, data };
}

function toItem(row: RowExplanation, served: ServedVersion, backgroundRows: number, source: string): ItemExplanation {
  const classes: Record<string, ClassExplanation> = {};
  for (const output of row.outputs) {
    classes[output.output] = {
      baseValue: output.baseValue,
      prediction: output.prediction,
      residual: output.residual,
      features: output.contributions.map((c) => ({
        name: c.player,
        // A feature is its own player: its value. A group (even of one feature): values by feature.
        value: c.featureIndices.length === 1 && served.featureNames[c.featureIndices[0]!] === c.player ? c.values[0]! : Object.fromEntries(c.featureIndices.map((f, i) => [served.featureNames[f]!, c.values[i]!])),
        shap: c.shap,
      })),
    };
  }
  return { engine: row.engine, outputSpace: row.outputSpace, approximate: row.approximate, background: { rows: backgroundRows, source }, classes };
}
