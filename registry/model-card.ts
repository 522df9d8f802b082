import type { ArtifactInfo, ModelVersion } from './types.ts';

const f = (x: unknown, digits = 4) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–');

/**
 * A model card (Markdown) for one version: what it predicts, from which data and code, how it
 * scored beside the market on the same games, its backtest, and its artifacts with their sha256.
 * Built from the registry row alone, so it is the same wherever it is rendered.
 */
export function renderModelCard(version: ModelVersion, artifacts: readonly ArtifactInfo[]): string {
  const l = version.lineage;
  const e = version.evaluation as { summary?: Record<string, { n: number; logLoss: number; brier: number; accuracy: number; ece: number }>; backtest?: { flat?: { bets: number; yield: number | null }; clv?: { meanDevigEdge: number | null }; pricing?: { description?: string } } };
  const lines = [
    `# Model card: ${version.model} v${version.version}`,
    '',
    `Status ${version.status}${version.aliases.length ? `; aliases ${version.aliases.join(', ')}` : ''}; registered ${version.createdAt}.`,
    '',
    '## What it predicts',
    `Probabilities of ${version.classes.join(' / ')} for a game, from the features of ${l.featureSet ? `${l.featureSet.name} (hash ${l.featureSet.hash})` : 'an unnamed feature set'}.`,
    '',
    '## Lineage',
    `- algorithm: ${l.algorithm ?? '–'}; seed ${l.seed ?? '–'}; parameters ${JSON.stringify(l.params ?? {})}`,
    `- trained on ${l.trainWindow ? `${l.trainWindow.from} .. ${l.trainWindow.to}` : '–'}; tested on ${l.testWindow ? `${l.testWindow.from} .. ${l.testWindow.to}` : '–'}`,
    `- dataset hash ${l.datasetHash ?? '–'}${l.testDatasetHash ? `; test dataset hash ${String(l.testDatasetHash)}` : ''}`,
    `- code version ${l.codeVersion ?? '–'}; launched by ${l.createdBy ?? '–'}; run ${version.runId}`,
    '',
    '## Out-of-sample scores on the same test games (lower is better, except accuracy)',
    '| predictor | games | log loss | Brier | accuracy | ECE |',
    '|---|---|---|---|---|---|',
    ...Object.entries(e.summary ?? {}).map(([name, s]) => `| ${name} | ${s.n} | ${f(s.logLoss)} | ${f(s.brier)} | ${f(s.accuracy)} | ${f(s.ece)} |`),
    '',
  ];
  if (e.backtest?.flat) {
    lines.push('## Backtest', `${e.backtest.flat.bets} bets at ${e.backtest.pricing?.description ?? 'stored prices'}: flat-stake yield ${f(e.backtest.flat.yield)}, closing-line value ${f(e.backtest.clv?.meanDevigEdge ?? null)}.`, '');
  }
  lines.push('## Artifacts', '| kind | name | bytes | sha256 |', '|---|---|---|---|', ...artifacts.map((a) => `| ${a.kind} | ${a.name} | ${a.size} | \`${a.sha256}\` |`), '');
  lines.push('## Caveats', 'Scores are on the test window only; a model that does not beat the closing market there has no demonstrated edge. Past backtests do not guarantee future returns.', '');
  return lines.join('\n');
}
