import type { ArtifactInfo, ModelVersion } from './types.ts';

const f = (x: unknown, digits = 4) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–');

interface Score { n: number; logLoss: number; brier: number; accuracy: number; ece: number }
interface StoredEvaluation {
  summary?: Record<string, Score>;
  backtest?: { flat?: { bets: number; yield: number | null }; clv?: { meanDevigEdge: number | null }; pricing?: { description?: string } };
}

/** One version's model card as data: what `renderModelCard` writes and `?format=json` returns. */
export interface ModelCard {
  model: string;
  version: number;
  status: string;
  aliases: string[];
  registeredAt: string;
  intendedUse: { predicts: string; classes: string[]; use: string; outOfScope: string[] };
  windows: { train: { from: string; to: string } | null; test: { from: string; to: string } | null };
  lineage: { algorithm: string | null; seed: number | null; params: Record<string, unknown>; featureSet: { name: string; hash: string } | null; datasetHash: string | null; codeVersion: string | null; createdBy: string | null; runId: string };
  /** Scores on the same test games: the model and every market or forecast it was compared with. */
  metrics: Array<{ predictor: string; games: number; logLoss: number; brier: number; accuracy: number; ece: number }>;
  /** How far the stated probabilities are from the observed frequencies (expected calibration error). */
  calibration: { modelEce: number | null; marketEce: Record<string, number>; note: string };
  backtest: { bets: number; flatYield: number | null; closingLineValue: number | null; pricing: string } | null;
  artifacts: Array<{ kind: string; name: string; bytes: number; sha256: string }>;
  knownLimits: string[];
}

/**
 * A model card for one version: intended use, data windows, scores beside the market on the same
 * games, calibration, backtest, lineage, artifacts with sha256 and known limits. Built from the
 * registry row alone, so it is the same wherever it is rendered.
 */
export function modelCardOf(version: ModelVersion, artifacts: readonly ArtifactInfo[]): ModelCard {
  const l = version.lineage;
  const e = version.evaluation as StoredEvaluation;
  const metrics = Object.entries(e.summary ?? {}).map(([predictor, s]) => ({ predictor, games: s.n, logLoss: s.logLoss, brier: s.brier, accuracy: s.accuracy, ece: s.ece }));
  const model = metrics.find((m) => m.predictor === 'model');
  const beaten = metrics.filter((m) => m.predictor !== 'model' && model && model.logLoss < m.logLoss).map((m) => m.predictor);
  const window = (w: { from?: unknown; to?: unknown } | null | undefined) => (w ? { from: String(w.from ?? ''), to: String(w.to ?? '') } : null);
  return {
    model: version.model,
    version: version.version,
    status: version.status,
    aliases: [...version.aliases],
    registeredAt: String(version.createdAt),
    intendedUse: {
      predicts: `probabilities of ${version.classes.join(' / ')} for a game, from the features of ${l.featureSet ? `${l.featureSet.name} (hash ${l.featureSet.hash})` : 'an unnamed feature set'}`,
      classes: [...version.classes],
      use: 'research and analysis of games like those it was trained on: comparing its probabilities with the de-vigged market, and backtesting staking rules on them',
      outOfScope: ['competitions or eras outside its training data', 'games whose features the feature store cannot compute (see the feature spec)', 'a guarantee of profit: betting markets move and charge a margin'],
    },
    windows: { train: window(l.trainWindow), test: window(l.testWindow) },
    lineage: {
      algorithm: (l.algorithm as string | undefined) ?? null,
      seed: (l.seed as number | undefined) ?? null,
      params: (l.params as Record<string, unknown> | undefined) ?? {},
      featureSet: l.featureSet ?? null,
      datasetHash: (l.datasetHash as string | undefined) ?? null,
      codeVersion: (l.codeVersion as string | undefined) ?? null,
      createdBy: (l.createdBy as string | undefined) ?? null,
      runId: version.runId,
    },
    metrics,
    calibration: {
      modelEce: model?.ece ?? null,
      marketEce: Object.fromEntries(metrics.filter((m) => m.predictor !== 'model').map((m) => [m.predictor, m.ece])),
      note: 'expected calibration error on the test games (0 is perfect); the reliability diagram is at GET /v1/models/:name/versions/:v and in the console',
    },
    backtest: e.backtest?.flat ? { bets: e.backtest.flat.bets, flatYield: e.backtest.flat.yield, closingLineValue: e.backtest.clv?.meanDevigEdge ?? null, pricing: e.backtest.pricing?.description ?? 'stored prices' } : null,
    artifacts: artifacts.map((a) => ({ kind: a.kind, name: a.name, bytes: a.size, sha256: a.sha256 })),
    knownLimits: [
      'Scores are on the test window only; a model that does not beat the closing market there has no demonstrated edge.',
      model
        ? beaten.length
          ? `On its test games it has a lower log loss than: ${beaten.join(', ')}; against the others it has no demonstrated edge.`
          : 'On its test games it does not beat any market or forecast it was compared with: it has no demonstrated edge.'
        : 'It has no stored evaluation.',
      'Past backtests do not guarantee future returns; prices move and bookmakers limit winning accounts.',
      'Team strength drifts: performance outside the test window, especially long after it, is unmeasured.',
    ],
  };
}

/** The model card in Markdown (the same facts as `modelCardOf`). */
export function renderModelCard(version: ModelVersion, artifacts: readonly ArtifactInfo[]): string {
  const c = modelCardOf(version, artifacts);
  const w = (x: { from: string; to: string } | null) => (x ? `${x.from} .. ${x.to}` : '–');
  const lines = [
    `# Model card: ${c.model} v${c.version}`,
    '',
    `Status ${c.status}${c.aliases.length ? `; aliases ${c.aliases.join(', ')}` : ''}; registered ${c.registeredAt}.`,
    '',
    '## What it predicts',
    `${c.intendedUse.predicts[0]!.toUpperCase()}${c.intendedUse.predicts.slice(1)}.`,
    '',
    '## Intended use',
    `${c.intendedUse.use[0]!.toUpperCase()}${c.intendedUse.use.slice(1)}.`,
    '',
    'Out of scope:',
    ...c.intendedUse.outOfScope.map((s) => `- ${s}`),
    '',
    '## Data windows',
    `- trained on ${w(c.windows.train)}; tested on ${w(c.windows.test)}`,
    '',
    '## Lineage',
    `- algorithm: ${c.lineage.algorithm ?? '–'}; seed ${c.lineage.seed ?? '–'}; parameters ${JSON.stringify(c.lineage.params)}`,
    `- dataset hash ${c.lineage.datasetHash ?? '–'}`,
    `- code version ${c.lineage.codeVersion ?? '–'}; launched by ${c.lineage.createdBy ?? '–'}; run ${c.lineage.runId}`,
    '',
    '## Out-of-sample scores on the same test games (lower is better, except accuracy)',
    '| predictor | games | log loss | Brier | accuracy | ECE |',
    '|---|---|---|---|---|---|',
    ...c.metrics.map((m) => `| ${m.predictor} | ${m.games} | ${f(m.logLoss)} | ${f(m.brier)} | ${f(m.accuracy)} | ${f(m.ece)} |`),
    '',
    '## Calibration',
    `Model ECE ${f(c.calibration.modelEce)}${Object.keys(c.calibration.marketEce).length ? `; ${Object.entries(c.calibration.marketEce).map(([k, v]) => `${k} ${f(v)}`).join(', ')}` : ''} (${c.calibration.note}).`,
    '',
  ];
  if (c.backtest) lines.push('## Backtest', `${c.backtest.bets} bets at ${c.backtest.pricing}: flat-stake yield ${f(c.backtest.flatYield)}, closing-line value ${f(c.backtest.closingLineValue)}.`, '');
  lines.push('## Artifacts', '| kind | name | bytes | sha256 |', '|---|---|---|---|', ...c.artifacts.map((a) => `| ${a.kind} | ${a.name} | ${a.bytes} | \`${a.sha256}\` |`), '');
  lines.push('## Known limits', ...c.knownLimits.map((s) => `- ${s}`), '');
  return lines.join('\n');
}
