import type { Command } from 'commander';
import { computeDrift, latestLiveEvaluations, runDriftChecks, type DriftReport } from '../../services/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

function human(r: DriftReport): string {
  const f = r.features;
  const l = r.live;
  const lines = [
    `${r.model} v${r.version}${r.aliases.length ? ` (${r.aliases.join(', ')})` : ''}: drift over ${r.window.days} day(s) to ${r.window.to}`,
    f.reference === 'missing'
      ? 'features: no training distribution stored with this version (trained before drift monitoring); no PSI'
      : `features: ${f.rows.total} served row(s) (${f.rows.log} logged, ${f.rows.stored} stored predictions)${f.judged ? '' : ` — fewer than ${r.thresholds.minRows}, not judged`}`,
  ];
  if (f.psi.length) lines.push(table(f.psi.map((p) => ({ feature: p.feature, psi: p.psi }))));
  lines.push(
    l.model
      ? `live: ${l.games} finished game(s), log loss ${l.model.logLoss.toFixed(4)}, calibration error ${l.model.calibrationError.toFixed(4)}${l.market ? `; market ${l.market.logLoss.toFixed(4)} vs model ${l.market.modelLogLoss.toFixed(4)} on ${l.market.games} (gap ${l.market.gap >= 0 ? '+' : ''}${l.market.gap.toFixed(4)})` : ''}${l.judged ? '' : ` — fewer than ${r.thresholds.minGames}, not judged`}`
      : 'live: no finished game with a stored pre-kickoff prediction',
  );
  lines.push(r.warnings.length ? r.warnings.map((w) => `warning: ${w}`).join('\n') : 'no warnings');
  return lines.join('\n');
}

/** `sharpline drift check|run`: population stability of served rows and the live score of stored predictions. */
export function registerDriftCommands(program: Command): void {
  const drift = program.command('drift').description('watch what is served: feature drift (PSI) against training, live log loss and calibration against the market');

  drift.command('check <model>')
    .description('compute one version\'s drift now and store the report (gauges, /readyz); <model> may be name@alias or name@3')
    .option('--alias <alias>', 'the alias whose version is checked (default champion)')
    .option('--version <n>', 'a version number instead of an alias')
    .option('--window-days <n>', 'window in days (default SHARPLINE_DRIFT_WINDOW_DAYS)')
    .option('--json', 'print one JSON document')
    .action((model: string, opts: { alias?: string; version?: string; windowDays?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const windowDays = opts.windowDays === undefined ? undefined : Number(opts.windowDays);
        const report = await computeDrift(ctx, { ref: { model, alias: opts.alias, version: opts.version }, windowDays });
        printResult(report, opts.json, human);
      }),
    );

  drift.command('run')
    .description('one round of drift checks: every version an alias points at (what a schedule runs)')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const result = await runDriftChecks(ctx);
        printResult(result, opts.json, (r) =>
          r.checked.length
            ? table(r.checked.map((c) => ({ model: c.model, version: c.version, aliases: c.aliases.join(','), warnings: c.error ? `error: ${c.error}` : c.warnings.length })))
            : 'no served version to check',
        );
      }),
    );

  drift.command('live')
    .description('the latest live evaluation of each served version (the evaluate schedule step): log loss of its pre-kickoff predictions on games finished since it was trained, beside the market')
    .option('--model <name>', 'one model (default all)')
    .option('--json', 'print one JSON document')
    .action((opts: { model?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const evaluations = await latestLiveEvaluations(ctx, opts.model);
        printResult({ evaluations }, opts.json, (r) =>
          r.evaluations.length
            ? table(r.evaluations.map((e) => ({ model: e.model, version: e.version, aliases: e.aliases.join(','), games: e.games, since: e.since.slice(0, 10), asOf: e.asOf, logLoss: e.logLoss, market: e.market ? `${e.market.logLoss.toFixed(4)} vs ${e.market.modelLogLoss.toFixed(4)} on ${e.market.games}` : '' })))
            : 'no live evaluation stored yet (the evaluate schedule step stores them)',
        );
      }),
    );
}
