import type { Command } from 'commander';
import { AppError } from '../../../core/index.ts';
import type { ItemExplanation, ExplainRequest } from '../../serving/index.ts';
import { getArtifact, getVersion } from '../../../registry/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

const BAR_WIDTH = 24;

function signed(x: number, digits = 4): string {
  return (x >= 0 ? '+' : '') + x.toFixed(digits);
}

function formatValue(value: number | Record<string, number>): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return Object.entries(value).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`).join(' ');
}

/** A readable waterfall per class: base value, each feature's push, the prediction. */
export function waterfall(explanation: ItemExplanation, probabilities: Record<string, number>): string {
  const lines: string[] = [];
  for (const [cls, e] of Object.entries(explanation.classes)) {
    const biggest = Math.max(...e.features.map((f) => Math.abs(f.shap)), 1e-12);
    lines.push(`${cls}: p = ${(probabilities[cls] ?? e.prediction).toFixed(4)}   (${explanation.outputSpace}: base ${e.baseValue.toFixed(4)} -> ${e.prediction.toFixed(4)}, residual ${e.residual.toExponential(1)})`);
    let running = e.baseValue;
    for (const f of e.features) {
      running += f.shap;
      const n = Math.round((Math.abs(f.shap) / biggest) * BAR_WIDTH);
      const bar = f.shap >= 0 ? ' '.repeat(BAR_WIDTH) + '|' + '#'.repeat(n).padEnd(BAR_WIDTH) : ' '.repeat(BAR_WIDTH - n) + '#'.repeat(n) + '|' + ' '.repeat(BAR_WIDTH);
      lines.push(`  ${f.name.padEnd(16)} ${formatValue(f.value).padStart(10).slice(0, 40)}  ${signed(f.shap)}  ${bar}  ${running.toFixed(4)}`);
    }
    lines.push('');
  }
  const groups = explanation.grouping.groups.map((g) => g.name).join(', ');
  lines.push(`engine ${explanation.engine}${explanation.approximate ? ' (approximate)' : ''}, exact against ${explanation.background.rows} background rows: ${explanation.background.source}`);
  lines.push(`players grouped by ${explanation.grouping.by}${explanation.grouping.threshold !== undefined ? ` (|r| >= ${explanation.grouping.threshold})` : ''}${groups ? `: ${groups}` : ''}`);
  return lines.join('\n');
}

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description("why a model predicts what it does for one game: SHAP attributions per class, as a waterfall")
    .requiredOption('--model <name>', 'registered model: name, name@alias or name@version')
    .requiredOption('--game <id>', 'game id (features computed by the online feature store as of kickoff)')
    .option('--alias <alias>', 'alias to explain (default champion)')
    .option('--version <v>', 'version number (instead of an alias)')
    .option('--engine <engine>', 'auto | exact | kernel | linear', 'auto')
    .option('--space <space>', 'probability | logodds', 'probability')
    .option('--group-by <mode>', 'feature | prefix (features sharing a name prefix as one player) | correlation (features correlated on the background as one player); default correlation for market feature sets, else feature')
    .option('--json', 'print one JSON document')
    .action((opts: { model: string; game: string; alias?: string; version?: string; engine: string; space: string; groupBy?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        if (!/^\d+$/.test(opts.game)) throw new AppError('VALIDATION_FAILED', `--game must be a game id, got ${JSON.stringify(opts.game)}`);
        if (!['auto', 'exact', 'kernel', 'linear'].includes(opts.engine)) throw new AppError('VALIDATION_FAILED', `--engine must be auto, exact, kernel or linear`);
        if (!['probability', 'logodds'].includes(opts.space)) throw new AppError('VALIDATION_FAILED', `--space must be probability or logodds`);
        if (opts.groupBy !== undefined && !['feature', 'prefix', 'correlation'].includes(opts.groupBy)) throw new AppError('VALIDATION_FAILED', `--group-by must be feature, prefix or correlation`);
        const { predict } = await import('../../services/index.ts');
        const request: ExplainRequest = { engine: opts.engine as ExplainRequest['engine'], space: opts.space as ExplainRequest['space'], ...(opts.groupBy ? { groupBy: opts.groupBy as ExplainRequest['groupBy'] } : {}) };
        const result = await predict(ctx, { ref: { model: opts.model, alias: opts.alias, version: opts.version }, games: [{ gameId: Number(opts.game) }], explain: request });
        const item = result.predictions[0]!;
        const explanation = item.explanation;
        printResult({ model: result.model, version: result.version, gameId: Number(opts.game), probabilities: item.probabilities, game: item.game, market: item.market ?? null, explanation }, opts.json, (r) =>
          `${r.model} v${r.version}, game ${r.gameId} (kickoff ${r.game?.kickoff ?? '?'})\n\n` + waterfall(r.explanation!, r.probabilities),
        );
      }),
    );
}

export function registerImportanceCommand(models: Command): void {
  models
    .command('importance <name> <version>')
    .description('global importance of a version on its test window: mean |SHAP| per feature and class, permutation importance')
    .option('--json', 'print one JSON document')
    .action((name: string, ref: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const version = await getVersion(ctx.db, name, ref);
        const importance = (await getArtifact(ctx.db, version.id, 'importance')).json as {
          classes: string[];
          meanAbsShap: { rows: number; features: Array<{ name: string; byClass: Record<string, number> }> };
          /** `rows` since the seeded sample of large windows; older versions used every test row. */
          permutation: { baselineLogLoss: number; rows?: number; features: Array<{ name: string; importance: number; std: number }> };
        };
        printResult({ model: version.model, version: version.version, importance }, opts.json, (r) => {
          const perm = new Map(r.importance.permutation.features.map((f) => [f.name, f]));
          const rows = [...r.importance.meanAbsShap.features]
            .sort((a, b) => Object.values(b.byClass).reduce((x, y) => x + y, 0) - Object.values(a.byClass).reduce((x, y) => x + y, 0))
            .map((f) => ({ feature: f.name, ...Object.fromEntries(r.importance.classes.map((c) => [`|shap| ${c}`, f.byClass[c]])), 'permutation Δlogloss': perm.get(f.name)?.importance }));
          return `${r.model} v${r.version}: mean |SHAP| over ${r.importance.meanAbsShap.rows} test rows (probability space); permutation importance on ${r.importance.permutation.rows === undefined ? 'all' : r.importance.permutation.rows} test rows (baseline log loss ${r.importance.permutation.baselineLogLoss.toFixed(4)})\n` + table(rows);
        });
      }),
    );
}
