import type { Command } from 'commander';
import { AppError } from '../../../core/index.ts';
import { buildFeatures, computeOnline, createFeatureCache, featureSetAvailability, lastBuild, listFeatureSets, resolveFeatureSet, type MatchupOdds } from '../../../features/index.ts';
import { createPhasedProgress, printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

interface GetOptions {
  set: string;
  game?: string;
  competition?: string;
  home?: string;
  away?: string;
  kickoff?: string;
  neutral?: boolean;
  odds?: string;
  asOf?: string;
  json?: boolean;
}

function parseOdds(text: string | undefined): MatchupOdds[] | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]) as MatchupOdds[];
  } catch {
    throw new AppError('VALIDATION_FAILED', `--odds: not JSON: ${text}`, { details: { option: 'odds' } });
  }
}

export function registerFeatureCommands(program: Command): void {
  const features = program.command('features').description('feature sets: list, show, build (materialise), get (online row)');

  features.command('list')
    .description('list the feature sets, their versions and whether history holds their inputs (the sets offered for training)')
    .option('--competitions <codes>', "judge availability on these competitions only, e.g. 'E0,SP1' or 'NFL'")
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean; competitions?: string }) =>
      withContext(async (ctx) => {
        const competitions = opts.competitions?.split(',').map((c) => c.trim()).filter(Boolean);
        const sets = [];
        for (const s of listFeatureSets()) {
          const a = await featureSetAvailability(ctx.db, s, { competitions, strict: false });
          sets.push({ name: s.name, version: s.version, sport: s.sport, target: s.target, usesMarket: s.usesMarket, features: s.featureNames.length, available: a.available, reason: a.reason });
        }
        printResult({ featureSets: sets }, opts.json, (r) =>
          [
            table(r.featureSets.map(({ reason: _reason, ...row }) => row)),
            ...r.featureSets.filter((s) => s.reason).map((s) => `- ${s.reason}`),
          ].join('\n'),
        );
      }),
    );

  features.command('show <set>')
    .description('show a feature set: definition, columns (with missing-value fills), last build')
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const set = resolveFeatureSet(name);
        const build = await lastBuild(ctx.db, set.hash);
        const availability = await featureSetAvailability(ctx.db, set);
        const doc = { name: set.name, version: set.version, hash: set.hash, sport: set.sport, target: set.target, usesMarket: set.usesMarket, description: set.description, features: set.features, columns: set.columns, availability, lastBuild: build };
        printResult(doc, opts.json, (d) =>
          [
            `${d.name}  version ${d.version}  (${d.sport}, target ${d.target}, ${d.usesMarket ? 'reads the game\'s own odds' : 'no own-game odds'})`,
            d.description,
            '',
            table(d.columns.map((c) => ({ column: c.name, family: c.family, fill: c.fill, description: c.description }))),
            '',
            ...d.features.map((f) => `${f.family}: ${JSON.stringify(f.params)}`),
            '',
            d.availability.reason ?? `available: history holds every input (${d.availability.finalGames} finished games)`,
            d.lastBuild ? `last build: ${d.lastBuild.mode} (${d.lastBuild.reason}) ${d.lastBuild.rowsWritten} rows in ${d.lastBuild.seconds.toFixed(2)} s at ${d.lastBuild.finishedAt}; ${d.lastBuild.rowsTotal} rows stored` : 'never built',
          ].join('\n'),
        );
      }),
    );

  features.command('build')
    .description('materialise a feature set\'s rows for every game of its sport (incremental unless --full)')
    .requiredOption('--set <name>', 'feature set name')
    .option('--full', 'recompute every row from an empty state')
    .option('--json', 'print one JSON document')
    .action((opts: { set: string; full?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        const shown = createPhasedProgress({ history: 'reading history', compute: 'computing features', write: 'writing rows' }, ctx.config.progress);
        const report = await buildFeatures(ctx.db, opts.set, { full: opts.full, onProgress: (p) => shown.update(p.phase, p.done, p.total) });
        shown.done();
        printResult(report, opts.json, (r) =>
          `${r.featureSet.name} ${r.featureSet.version}: ${r.mode} build (${r.reason}), ${r.gamesProcessed} games processed, ${r.rowsWritten} rows written in ${r.seconds.toFixed(2)} s; watermark ${r.watermark ?? '(none)'}`,
        );
      }),
    );

  features.command('get')
    .description('compute one feature row now: a stored game (--game) or a matchup (--competition --home --away --kickoff)')
    .requiredOption('--set <name>', 'feature set name')
    .option('--game <id>', 'stored game id')
    .option('--competition <code>', "competition code, e.g. 'E0' or 'NFL'")
    .option('--home <team>', 'home team key, name or alias')
    .option('--away <team>', 'away team key, name or alias')
    .option('--kickoff <iso>', 'kickoff date-time (ISO 8601)')
    .option('--neutral', 'neutral site')
    .option('--odds <json>', 'odds known now: {"bookmaker":"pinnacle","home":2.1,"draw":3.4,"away":3.6} or an array of those')
    .option('--as-of <iso>', 'information cut-off (default now)')
    .option('--json', 'print one JSON document')
    .action((opts: GetOptions) =>
      withContext(async (ctx) => {
        let request;
        if (opts.game !== undefined) {
          if (!/^\d+$/.test(opts.game)) throw new AppError('VALIDATION_FAILED', `--game: expected a game id, got ${opts.game}`, { details: { option: 'game' } });
          request = { gameId: Number(opts.game) };
        } else {
          for (const k of ['competition', 'home', 'away', 'kickoff'] as const) {
            if (!opts[k]) throw new AppError('VALIDATION_FAILED', `--${k} is required without --game`, { details: { option: k } });
          }
          request = { competition: opts.competition!, home: opts.home!, away: opts.away!, kickoff: opts.kickoff!, neutral: opts.neutral, odds: parseOdds(opts.odds) };
        }
        const row = await computeOnline(ctx.db, opts.set, request, { asOf: opts.asOf, cache: createFeatureCache(), staleDays: ctx.config.featureStaleDays });
        printResult(row, opts.json, (r) =>
          [
            `${r.featureSet.name} ${r.featureSet.version}  game ${r.gameId ?? '(matchup)'}  kickoff ${r.kickoff}  as of ${r.asOf}`,
            `days since last game: home ${r.home.daysSinceLastGame?.toFixed(1) ?? 'none'}, away ${r.away.daysSinceLastGame?.toFixed(1) ?? 'none'}${r.stale ? `  STALE (> ${r.staleLimitDays} days)` : ''}`,
            table(r.featureNames.map((n, i) => ({ feature: n, value: r.values[i] ?? 'missing', model_input: r.filled[i] }))),
          ].join('\n'),
        );
      }),
    );
}
