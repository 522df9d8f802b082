import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { userInfo } from 'node:os';
import {
  countPredictions,
  getArtifact,
  getModel,
  modelCardOf,
  renderModelCard,
  getVersion,
  listAliasEvents,
  listArtifacts,
  listModels,
  listPredictions,
  listVersions,
  predictionsCsvHeader,
  predictionsCsvRows,
  VERSION_STATUSES,
  type VersionStatus,
} from '../../../registry/index.ts';
import { AppError } from '../../../core/index.ts';
import { backtestVersion, compareVersionPredictions, summariseBacktest, versusMarket, type BacktestSettings } from '../../../training/index.ts';
import { registerImportanceCommand } from './explain.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';
import { cliActor } from '../identity.ts';
import type { Proposal, ProposalStatus } from '../../services/index.ts';

// Rows fetched per page when exporting, so a large test window never sits in memory twice.
const EXPORT_PAGE_ROWS = 5000;

function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** The evaluation a proposal carries, one line per predictor on the same games. */
function formatProposalEvaluation(p: Proposal): string {
  const rows = Object.entries(p.evaluation).filter(([, v]) => v && typeof v === 'object' && 'logLoss' in (v as object));
  return rows.map(([who, v]) => `  ${who.padEnd(12)} n=${(v as { n?: number }).n ?? '?'}  log loss ${fmt((v as { logLoss: number }).logLoss)}`).join('\n');
}

function positiveInt(label: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new AppError('VALIDATION_FAILED', `${label} must be a positive whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };
}

function status(text: string): VersionStatus {
  const upper = text.toUpperCase() as VersionStatus;
  if (!VERSION_STATUSES.includes(upper)) throw new AppError('VALIDATION_FAILED', `status must be one of ${VERSION_STATUSES.join(', ')}`);
  return upper;
}

function fmt(value: number | undefined): string {
  return value === undefined ? '' : Number.isInteger(value) ? String(value) : value.toFixed(4);
}

interface EvaluationSummary {
  summary?: Record<string, { n: number; logLoss: number; brier: number; accuracy: number; ece: number; rps?: number }>;
  comparisons?: Record<string, { n: number; predictors: Record<string, { logLoss: number; brier: number }> }>;
  backtest?: unknown;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`);

/** A backtest in words: which prices and which de-vig first, then the figures. */
function formatBacktest(stored: unknown): string[] {
  const b = summariseBacktest(stored);
  if (!b) return [];
  const lines = [
    b.legacy ? `backtest (LEGACY prices: ${b.pricesDescription})` : `backtest at "${b.prices}" prices: ${b.pricesDescription}`,
    `  de-vig ${b.devig}; CLV against ${b.clvAgainst}; commission ${pct(b.commission)}; stake limit ${b.maxStake === null ? 'none' : `${b.maxStake} units`}`,
    `  flat: ${b.bets} bets, yield ${pct(b.flatYield)} of turnover, ROI ${pct(b.flatRoi)} of the starting bankroll, max drawdown ${b.flatMaxDrawdown.toFixed(1)} units`,
    `  fractional Kelly: ${b.kellyBets} bets, yield ${pct(b.kellyYield)}, ROI ${pct(b.kellyRoi)}, max drawdown ${pct(b.kellyMaxDrawdownPct)}`,
    `  CLV ${pct(b.clv)}${b.priceRatio === null ? '' : `; price vs the same book's raw close ${pct(b.priceRatio)}`}`,
  ];
  if (!b.legacy) lines.push(`  zero-skill bettors at these prices: every outcome yield ${pct(b.everyOutcomeYield)}, one at random ${pct(b.randomYield)}`);
  return lines;
}

/** A reviewer's reading of a version's stored evaluation: scores beside the market, and the backtest. */
function formatEvaluation(evaluation: Record<string, unknown>): string {
  const e = evaluation as EvaluationSummary;
  if (!e.summary) return '  (none)';
  const rows = Object.entries(e.summary).map(([predictor, s]) => ({ predictor, games: s.n, logLoss: s.logLoss, brier: s.brier, accuracy: s.accuracy, ece: s.ece, ...(s.rps !== undefined ? { rps: s.rps } : {}) }));
  const lines = [table(rows)];
  for (const [name, c] of Object.entries(e.comparisons ?? {})) {
    if (name === 'all' || c.n === 0) continue;
    lines.push(`same ${c.n} games vs ${name}: ` + Object.entries(c.predictors).map(([p, s]) => `${p} ${s.logLoss.toFixed(4)}`).join(', '));
  }
  lines.push(...formatBacktest(e.backtest));
  return lines.map((l) => l.split('\n').map((x) => `  ${x}`).join('\n')).join('\n');
}

function decimal(label: string) {
  return (text: string): number => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) throw new AppError('VALIDATION_FAILED', `${label} must be a number, got ${JSON.stringify(text)}`);
    return v;
  };
}

/**
 * For a version trained by tfjs's `model.fit` (`algo: "tfjs"`): the backend it ran on and the runtime
 * that serves it (ONNX for a Dense-only network, else tfjs), which its lineage alone does not say.
 */
function trainedLine(evaluation: unknown): string[] {
  const t = (evaluation as { training?: { algo?: string; backend?: string; backendFallback?: string | null; runtime?: string; params?: { parameters?: number; epochs?: number; loss?: string } } } | null)?.training;
  if (t?.algo !== 'tfjs') return [];
  const p = t.params ?? {};
  const fallback = t.backendFallback ? ' (wasm lacks a gradient kernel it needs)' : '';
  return [`trained:     tfjs model.fit on ${t.backend}${fallback}, ${p.parameters} parameters, ${p.epochs} epochs, loss ${p.loss}; served by ${t.runtime}`];
}

export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('the model registry: models, versions, aliases');

  models.command('list')
    .description('registered models with their aliases')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const list = await listModels(ctx.db);
        printResult({ models: list }, opts.json, (r) =>
          table(r.models.map((m) => ({
            name: m.name,
            versions: m.lastVersion,
            aliases: Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(' '),
            updated: m.updatedAt,
            description: m.description,
          }))),
        );
      }),
    );

  models.command('show <name>')
    .description('one model: description, last version, aliases')
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const model = await getModel(ctx.db, name);
        printResult(model, opts.json, (m) =>
          [`model:       ${m.name}`, `description: ${m.description}`, `versions:    ${m.lastVersion}`, `created:     ${m.createdAt}`, `updated:     ${m.updatedAt}`, 'aliases:',
            ...Object.entries(m.aliases).map(([a, v]) => `  ${a} -> ${v}`)].join('\n'),
        );
      }),
    );

  models.command('versions <name>')
    .description('a model\'s versions, newest first')
    .option('--status <status>', 'only PENDING, READY or FAILED', status)
    .option('--limit <n>', 'at most n versions', positiveInt('--limit'))
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { status?: VersionStatus; limit?: number; json?: boolean }) =>
      withContext(async (ctx) => {
        const versions = await listVersions(ctx.db, name, { status: opts.status, limit: opts.limit });
        const summaries = versions.map(({ evaluation: _evaluation, ...rest }) => rest);
        printResult({ model: name, versions: summaries }, opts.json, (r) =>
          table(r.versions.map((v) => ({
            version: v.version,
            status: v.status,
            aliases: v.aliases.join(' '),
            algorithm: v.lineage.algorithm ?? '',
            logLoss: fmt(v.metrics.logLoss),
            run: v.runId,
            created: v.createdAt,
            by: v.lineage.createdBy ?? '',
          }))),
        );
      }),
    );

  models.command('version <name> <version>')
    .description('one version (number, alias or "latest"): lineage, metrics, evaluation, artifacts')
    .option('--json', 'print one JSON document')
    .action((name: string, ref: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const version = await getVersion(ctx.db, name, ref);
        const [artifacts, predictionCount] = await Promise.all([listArtifacts(ctx.db, version.id), countPredictions(ctx.db, version.id)]);
        printResult({ ...version, artifacts, predictionCount }, opts.json, (v) =>
          [
            `model:       ${v.model} version ${v.version} (${v.status}${v.statusMessage ? `: ${v.statusMessage}` : ''})`,
            `aliases:     ${v.aliases.join(', ') || '(none)'}`,
            `run:         ${v.runId}`,
            `classes:     ${v.classes.join(', ')}`,
            `created:     ${v.createdAt}`,
            `lineage:     ${JSON.stringify(v.lineage)}`,
            `metrics:     ${JSON.stringify(v.metrics)}`,
            `timings:     ${JSON.stringify(v.timings)}`,
            ...trainedLine(v.evaluation),
            `predictions: ${v.predictionCount}`,
            'artifacts:',
            table(v.artifacts.map((a) => ({ kind: a.kind, name: a.name, type: a.contentType, size: a.size, sha256: a.sha256.slice(0, 12) }))),
            'evaluation on the test window (use --json for all of it):',
            formatEvaluation(v.evaluation),
          ].join('\n'),
        );
      }),
    );

  models.command('artifact <name> <version> <kind>')
    .description('download one artifact of a version (onnx, tfjs, dense-json, feature-spec ...) as stored, and print its sha256; --dir writes every part of the kind (tfjs: model.json + weights.bin, loadable by tf.loadLayersModel)')
    .option('--out <file>', 'where to write the bytes of one part')
    .option('--dir <folder>', 'write every part of the kind into this folder, each under its part name (main: <kind>.<ext>)')
    .option('--part <name>', 'which part of the artifact with --out (default main)')
    .option('--json', 'print one JSON document')
    .action((name: string, ref: string, kind: string, opts: { out?: string; dir?: string; part?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        if (Boolean(opts.out) === Boolean(opts.dir)) throw new AppError('VALIDATION_FAILED', 'give exactly one of --out <file> or --dir <folder>');
        const version = await getVersion(ctx.db, name, ref);
        const { createHash } = await import('node:crypto');
        const { mkdir, writeFile } = await import('node:fs/promises');
        const path = await import('node:path');
        const parts = opts.dir ? (await listArtifacts(ctx.db, version.id)).filter((a) => a.kind === kind).map((a) => a.name) : [opts.part ?? 'main'];
        if (parts.length === 0) throw new AppError('NOT_FOUND', `model ${version.model} version ${version.version} has no artifact ${kind}`, { details: { kind } });
        if (opts.dir) await mkdir(opts.dir, { recursive: true });
        const files: Array<{ name: string; contentType: string; bytes: number; sha256: string; storedSha256: string; out: string }> = [];
        for (const part of parts) {
          const artifact = await getArtifact(ctx.db, version.id, kind, part);
          // The bytes as the HTTP route sends them (JSON artifacts as their text), hashed here.
          const body = artifact.bytes ? Buffer.from(artifact.bytes) : Buffer.from(JSON.stringify(artifact.json));
          const out = opts.out ?? path.join(opts.dir!, part === 'main' ? `${kind}.${artifact.contentType === 'application/json' ? 'json' : artifact.contentType === 'application/x-onnx' ? 'onnx' : 'bin'}` : part);
          await writeFile(out, body);
          files.push({ name: artifact.name, contentType: artifact.contentType, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), storedSha256: artifact.sha256, out });
        }
        const result = opts.out ? { model: version.model, version: version.version, kind, ...files[0]! } : { model: version.model, version: version.version, kind, dir: opts.dir!, files };
        printResult(result, opts.json, () =>
          files.map((f) => `${version.model} v${version.version} ${kind}${f.name === 'main' ? '' : `/${f.name}`}: ${f.bytes} bytes written to ${f.out}\nsha256 ${f.sha256}`).join('\n'));
      }),
    );

  models.command('card <name> <version>')
    .description('the model card of a version: intended use, data windows, scores beside the market, calibration, known limits (Markdown; --json for the document)')
    .option('--json', 'print the card as one JSON document')
    .action((name: string, ref: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const version = await getVersion(ctx.db, name, ref);
        const artifacts = await listArtifacts(ctx.db, version.id);
        if (opts.json) printResult(modelCardOf(version, artifacts), true, () => '');
        else process.stdout.write(renderModelCard(version, artifacts));
      }),
    );

  registerImportanceCommand(models);

  models.command('compare <name> <a> <b>')
    .description('two versions side by side: lineage differences and metrics on their test windows')
    .option('--json', 'print one JSON document')
    .action((name: string, a: string, b: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const [va, vb] = await Promise.all([getVersion(ctx.db, name, a), getVersion(ctx.db, name, b)]);
        const keys = [...new Set([...Object.keys(va.metrics), ...Object.keys(vb.metrics)])].sort();
        const metrics = keys.map((k) => ({ metric: k, [`v${va.version}`]: va.metrics[k], [`v${vb.version}`]: vb.metrics[k], delta: vb.metrics[k] !== undefined && va.metrics[k] !== undefined ? vb.metrics[k]! - va.metrics[k]! : undefined }));
        const lineageKeys = [...new Set([...Object.keys(va.lineage), ...Object.keys(vb.lineage)])].sort();
        const lineage = lineageKeys
          .filter((k) => JSON.stringify(va.lineage[k]) !== JSON.stringify(vb.lineage[k]))
          .map((k) => ({ field: k, [`v${va.version}`]: va.lineage[k], [`v${vb.version}`]: vb.lineage[k] }));
        const sameTestWindow = JSON.stringify(va.lineage.testWindow) === JSON.stringify(vb.lineage.testWindow);
        const backtests = [va, vb].map((v) => ({ version: v.version, ...summariseBacktest(v.evaluation.backtest) }));
        // Log loss differences with 95 % paired bootstrap intervals over games: "beats" only when the interval is below zero.
        const marketIntervals = [...versusMarket(va), ...versusMarket(vb)];
        const paired = await compareVersionPredictions(ctx.db, va, vb);
        const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
        printResult({ model: name, versions: [va.version, vb.version], sameTestWindow, metrics, versusMarket: marketIntervals, paired, backtests, lineageDifferences: lineage }, opts.json, (r) =>
          [
            `${name}: v${va.version} vs v${vb.version}${r.sameTestWindow ? ' (same test window)' : ' (DIFFERENT test windows: metrics are not directly comparable)'}`,
            table(r.metrics as Array<Record<string, unknown>>),
            r.paired
              ? `v${vb.version} − v${va.version} log loss on their ${r.paired.n} common test games: ${signed(r.paired.mean)}, 95% interval [${signed(r.paired.lo)}, ${signed(r.paired.hi)}] (${r.paired.verdict === 'beats' ? `v${vb.version} better` : r.paired.verdict === 'loses' ? `v${va.version} better` : 'within noise'})`
              : 'no common scored test games with the same classes: no paired difference',
            'versus the market (model − market log loss on the same games, 95% paired bootstrap interval):',
            table(r.versusMarket.map((m) => ({ version: m.version, market: m.against, games: m.n, difference: signed(m.difference), interval: `[${signed(m.lo)}, ${signed(m.hi)}]`, verdict: m.verdict }))),
            'backtests (prices and de-vig named per version; figures at different prices are not comparable):',
            table(r.backtests.map((b) => ({
              version: b.version,
              prices: b.prices ?? '',
              devig: b.devig ?? '',
              bets: b.bets,
              flatYield: pct(b.flatYield),
              kellyYield: pct(b.kellyYield),
              clv: pct(b.clv),
              everyOutcomeYield: pct(b.everyOutcomeYield),
            }))),
            ...[...new Set(r.backtests.map((b) => b.prices && `  ${b.prices}: ${b.pricesDescription}`).filter(Boolean))] as string[],
            'lineage differences:',
            table(r.lineageDifferences as Array<Record<string, unknown>>),
          ].join('\n'),
        );
      }),
    );

  models.command('backtest <name> <version>')
    .description('re-run a version\'s betting backtest on its stored test predictions at other prices, commission or stake limit (no retraining)')
    .option('--prices <source>', 'book (default: one bookmaker\'s pre-kickoff prices, Pinnacle else market average) or best (line shopping across real bookmakers; aggregates excluded)')
    .option('--commission <c>', 'commission on net winnings, e.g. 0.02', decimal('--commission'))
    .option('--max-stake <units>', 'stake limit per bet, units', decimal('--max-stake'))
    .option('--min-edge <e>', 'bet when p × net price > 1 + e (default 0.02)', decimal('--min-edge'))
    .option('--kelly <fraction>', 'fraction of full Kelly (default 0.25)', decimal('--kelly'))
    .option('--devig <method>', 'de-vig of the close for CLV: proportional (default), shin or power')
    .option('--json', 'print one JSON document')
    .action((name: string, ref: string, opts: { prices?: string; commission?: number; maxStake?: number; minEdge?: number; kelly?: number; devig?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const settings = { prices: opts.prices, commission: opts.commission, maxStake: opts.maxStake, minEdge: opts.minEdge, kellyFraction: opts.kelly, devig: opts.devig } as BacktestSettings;
        const result = await backtestVersion(ctx.db, name, ref, settings);
        printResult(result, opts.json, (r) => [`${r.model} v${r.version}`, ...formatBacktest(r.backtest)].join('\n'));
      }),
    );

  const alias = models.command('alias').description('move, remove and audit aliases (champion, challenger, ...)');

  alias.command('set <name> <alias> <version>')
    .description('point an alias at a READY version (audited); as the operator, protected aliases too')
    .option('--actor <who>', 'the operator\'s name in the audit trail', defaultActor())
    .option('--key <key>', 'act as this key\'s owner (then protected aliases need a proposal)')
    .option('--json', 'print one JSON document')
    .action((name: string, aliasName: string, version: string, opts: { actor: string; key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { key: opts.key, actor: opts.actor });
        const { moveAlias } = await import('../../services/index.ts');
        const result = await moveAlias(ctx, { model: name, alias: aliasName, version: positiveInt('version')(version), actor });
        printResult(result, opts.json, (r) =>
          r.changed
            ? `${name}: ${aliasName} ${r.previousVersion === null ? 'set to' : `moved ${r.previousVersion} ->`} ${r.alias.version}`
            : `${name}: ${aliasName} already points at ${r.alias.version}`,
        );
      }),
    );

  alias.command('rm <name> <alias>')
    .description('remove an alias (audited)')
    .option('--actor <who>', 'the operator\'s name in the audit trail', defaultActor())
    .option('--key <key>', 'act as this key\'s owner')
    .option('--json', 'print one JSON document')
    .action((name: string, aliasName: string, opts: { actor: string; key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { key: opts.key, actor: opts.actor });
        const { removeAlias } = await import('../../services/index.ts');
        const result = await removeAlias(ctx, { model: name, alias: aliasName, actor });
        printResult(result, opts.json, (r) => `${r.model}: removed ${r.alias} (was ${r.previousVersion})`);
      }),
    );

  alias.command('history <name>')
    .description('every alias move of a model, newest first: who, when, from, to')
    .option('--alias <alias>', 'only this alias')
    .option('--limit <n>', 'at most n events', positiveInt('--limit'))
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { alias?: string; limit?: number; json?: boolean }) =>
      withContext(async (ctx) => {
        const events = await listAliasEvents(ctx.db, name, { alias: opts.alias, limit: opts.limit });
        printResult({ model: name, events }, opts.json, (r) =>
          table(r.events.map((e) => ({ at: e.at, alias: e.alias, from: e.fromVersion ?? '-', to: e.toVersion ?? '-', actor: e.actor }))),
        );
      }),
    );

  models.command('propose <name> <alias> <version>')
    .description('propose moving a protected alias (champion) to a version, its evaluation attached; a different reviewer approves')
    .option('--note <text>', 'why (shown to the reviewer)')
    .option('--key <key>', 'a scientist\'s (or admin\'s) key; default SHARPLINE_API_KEY')
    .option('--json', 'print one JSON document')
    .action((name: string, aliasName: string, version: string, opts: { note?: string; key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { key: opts.key, roles: ['scientist', 'admin'], what: 'propose promotions' });
        const { proposePromotion } = await import('../../services/index.ts');
        const proposal = await proposePromotion(ctx, actor, { model: name, alias: aliasName, version: positiveInt('version')(version), note: opts.note });
        printResult(proposal, opts.json, (p) => `proposal ${p.id}: ${p.model} ${p.alias} ${p.fromVersion ?? '-'} -> ${p.version} by ${p.proposedBy}, pending review\n${formatProposalEvaluation(p)}`);
      }),
    );

  models.command('proposals [name]')
    .description('promotion proposals, newest first, with their evaluation and decision')
    .option('--status <status>', 'pending, approved or rejected')
    .option('--json', 'print one JSON document')
    .action((name: string | undefined, opts: { status?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        if (opts.status !== undefined && !['pending', 'approved', 'rejected'].includes(opts.status)) throw new AppError('VALIDATION_FAILED', `--status must be pending, approved or rejected, got ${JSON.stringify(opts.status)}`);
        const { listProposals } = await import('../../services/index.ts');
        const proposals = await listProposals(ctx.db, { model: name, status: opts.status as ProposalStatus | undefined });
        printResult({ proposals }, opts.json, (r) =>
          table(r.proposals.map((p) => ({ id: p.id, model: p.model, alias: p.alias, from: p.fromVersion ?? '-', to: p.version, status: p.status, 'proposed by': p.proposedBy, 'decided by': p.decidedBy ?? '-', reason: p.reason ?? '' }))),
        );
      }),
    );

  models.command('approve <proposal>')
    .description('approve a proposal (not your own): the alias moves and every server swaps')
    .option('--key <key>', 'a reviewer\'s key; default SHARPLINE_API_KEY')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { key: opts.key, roles: ['reviewer'], what: 'approve proposals' });
        const { approveProposal } = await import('../../services/index.ts');
        const { proposal, move } = await approveProposal(ctx, actor, positiveInt('proposal')(id));
        printResult({ proposal, move }, opts.json, (r) => `proposal ${r.proposal.id} approved by ${r.proposal.decidedBy}: ${r.proposal.model} ${r.proposal.alias} ${r.move.changed ? `moved ${r.move.previousVersion ?? '-'} ->` : 'already at'} ${r.proposal.version}`);
      }),
    );

  models.command('reject <proposal>')
    .description('reject a proposal with a reason')
    .requiredOption('--reason <text>', 'why (required, recorded)')
    .option('--key <key>', 'a reviewer\'s key; default SHARPLINE_API_KEY')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { reason: string; key?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await cliActor(ctx, { key: opts.key, roles: ['reviewer'], what: 'reject proposals' });
        const { rejectProposal } = await import('../../services/index.ts');
        const proposal = await rejectProposal(ctx, actor, positiveInt('proposal')(id), opts.reason);
        printResult(proposal, opts.json, (p) => `proposal ${p.id} rejected by ${p.decidedBy}: ${p.reason}`);
      }),
    );

  const predictions = program.command('predictions').description('stored out-of-sample predictions of model versions');

  predictions.command('export')
    .description('write a version\'s test predictions as CSV: game_id, kickoff, competition, home, away, p_<class>..., outcome')
    .requiredOption('--model <name>', 'registered model')
    .option('--version <v>', 'version number (or alias, or "latest")')
    .option('--alias <alias>', 'alias instead of --version')
    .requiredOption('--out <file>', 'CSV file to write ("-" for stdout)')
    .option('--json', 'print a JSON summary')
    .action((opts: { model: string; version?: string; alias?: string; out: string; json?: boolean }) =>
      withContext(async (ctx) => {
        if ((opts.version === undefined) === (opts.alias === undefined)) {
          throw new AppError('VALIDATION_FAILED', 'give exactly one of --version or --alias');
        }
        const version = await getVersion(ctx.db, opts.model, opts.version ?? opts.alias!);
        const toStdout = opts.out === '-';
        const out = toStdout ? process.stdout : createWriteStream(opts.out);
        const write = async (text: string) => {
          if (!out.write(text)) await once(out, 'drain');
        };
        let rows = 0;
        await write(predictionsCsvHeader(version.classes));
        for (;;) {
          const page = await listPredictions(ctx.db, version.id, { limit: EXPORT_PAGE_ROWS, offset: rows });
          if (page.length === 0) break;
          await write(predictionsCsvRows(page));
          rows += page.length;
          if (page.length < EXPORT_PAGE_ROWS) break;
        }
        if (!toStdout) {
          out.end();
          await once(out, 'finish');
        }
        const summary = { model: version.model, version: version.version, classes: version.classes, rows, out: opts.out };
        // With --out - the CSV owns stdout, so the summary goes to stderr.
        if (toStdout) process.stderr.write(`exported ${rows} predictions of ${version.model} v${version.version}\n`);
        else printResult(summary, opts.json, (s) => `wrote ${s.rows} predictions of ${s.model} v${s.version} to ${s.out}`);
      }),
    );
}
