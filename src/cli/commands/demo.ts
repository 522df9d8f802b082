import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import { listGames } from '../../../history/index.ts';
import { writeSyntheticLeague, SYNTHETIC_DIVISION } from '../../demo/synthetic-league.ts';
import { getVersion } from '../../../registry/index.ts';
import { AppError } from '../../../core/index.ts';
import { ensureLocalAdminKey, ensureLocalKey, operatorActor, type Actor, type LocalAdminKey, type LocalKey } from '../../governance/index.ts';
import { reportFailure } from '../output.ts';
import { untilSignal, stopWithin } from '../run.ts';
import { waitForRun } from './train.ts';
import { importProgress } from './import.ts';

/**
 * Real and synthetic games never mix: each has its own model name, and each training spec names
 * its competitions, so a demo run on real files after the synthetic one (same database) neither
 * trains nor evaluates on the synthetic league, nor moves the synthetic model's champion.
 */
const DEMO_MODEL = 'soccer-demo';
const REAL_MODEL = 'soccer-real';
/** football-data.co.uk file names: division and season, `E0_1920.csv`, `SP1_034.csv`. */
const FOOTBALL_DATA_FILE = /^([A-Z]+[0-9]*)_([0-9]{3,4})\.csv$/i;
/**
 * The demo's two people beside its admin: a scientist who proposes a challenger as champion, and a
 * reviewer (a different identity, as approving your own proposal is refused) who decides it in the
 * console. Their keys live beside the admin key in the home, readable by the owner only.
 */
const DEMO_SCIENTIST = { name: 'demo-scientist', role: 'scientist', file: 'scientist.key' } as const;
const DEMO_REVIEWER = { name: 'demo-reviewer', role: 'reviewer', file: 'reviewer.key' } as const;
/** The challenger: the champion's spec, temperature-scaled on its validation slice after the fit. */
const CHALLENGER_PARAMS = { calibrate: 'temperature' } as const;
const CHALLENGER_NOTE = 'demo challenger: the champion\'s model, temperature-scaled on its validation slice; compare the log loss on the same games before approving';

interface DemoOptions {
  data?: string;
  /** Division codes to import (`E0,SP1`); default every file in the folder. */
  leagues?: string;
  /** Season codes as in the file names (`1819,1920`); default every season. */
  seasons?: string;
}

/** The database, queue and server modules, loaded when the demo runs (never for `--help`). */
async function runtime() {
  const [context, server, jobs] = await Promise.all([import('../../context.ts'), import('../../server.ts'), import('../../jobs/index.ts')]);
  return { ...context, ...server, ...jobs };
}

interface DemoPlan {
  label: string;
  synthetic: boolean;
  files: string[];
  spec: { model: string; featureSet: string; algo: 'logistic'; trainTo: string; testFrom: string; testTo: string; competitions?: string[]; trainFrom?: string; params?: Record<string, unknown> };
}

function step(n: number, total: number, text: string): void {
  process.stderr.write(`[${n}/${total}] ${text}\n`);
}

export interface DemoStage {
  stage: string;
  wallSeconds: number;
  /** CPU of the whole process meanwhile (every thread: PGlite, the trainer's workers): what a loaded machine does not stretch. */
  cpuSeconds: number;
}

/**
 * Wall and CPU seconds per stage of the demo, the first from the process's start (Node, module
 * loading). CPU is the figure to compare runs by: on a machine shared with other work the wall
 * time of a stage swings with the load, its CPU time much less.
 */
function stageClock() {
  const stages: DemoStage[] = [];
  let wallMark = 0;
  let cpuMark = 0;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    stages,
    lap(stage: string): void {
      const wall = process.uptime();
      const { user, system } = process.cpuUsage();
      const cpu = (user + system) / 1e6;
      stages.push({ stage, wallSeconds: round(wall - wallMark), cpuSeconds: round(cpu - cpuMark) });
      wallMark = wall;
      cpuMark = cpu;
    },
    /** One line: the total and each stage as wall/CPU seconds. */
    line(what: string): string {
      const sum = (k: 'wallSeconds' | 'cpuSeconds') => stages.reduce((n, s) => n + s[k], 0).toFixed(1);
      return `      ${what} in ${sum('wallSeconds')} s (CPU ${sum('cpuSeconds')} s); wall/CPU s per stage: ${stages.map((s) => `${s.stage} ${s.wallSeconds.toFixed(1)}/${s.cpuSeconds.toFixed(1)}`).join(', ')}\n`;
    },
  };
}

/** Where the real football-data files are under a data folder (ours or a user's download). */
function footballDataFolder(dir: string): string | undefined {
  for (const candidate of [join(dir, 'football_data_co_uk', 'big5_2003_2024'), join(dir, 'big5_2003_2024'), dir]) {
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
  }
  return undefined;
}

const codes = (list: string | undefined) => (list ? new Set(list.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean)) : undefined);

function plan(ctx: AppContext, opts: DemoOptions): DemoPlan {
  if (opts.data) {
    const folder = footballDataFolder(resolve(opts.data));
    if (!folder) throw new AppError('VALIDATION_FAILED', `--data ${opts.data}: no football-data.co.uk folder found there`);
    const leagues = codes(opts.leagues);
    const seasons = codes(opts.seasons);
    const chosen = readdirSync(folder)
      .map((name) => ({ name, m: FOOTBALL_DATA_FILE.exec(name) }))
      .filter(({ m }) => m && (!leagues || leagues.has(m[1]!.toUpperCase())) && (!seasons || seasons.has(m[2]!)))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (chosen.length === 0) {
      throw new AppError('VALIDATION_FAILED', `--data ${opts.data}: no football-data files (like E0_1920.csv) in ${folder}${leagues || seasons ? ' for --leagues/--seasons' : ''}`, {
        details: { folder, leagues: opts.leagues ?? null, seasons: opts.seasons ?? null },
      });
    }
    const competitions = [...new Set(chosen.map(({ m }) => m![1]!.toUpperCase()))].sort();
    return {
      label: `real football-data.co.uk files in ${folder}: ${chosen.length} files, ${competitions.join(', ')}`,
      synthetic: false,
      files: chosen.map(({ name }) => join(folder, name)),
      // The window the quality benchmark uses: train to 2019-06-30, test five seasons after it;
      // only the imported leagues, never the synthetic one.
      spec: { model: REAL_MODEL, featureSet: 'soccer-1x2-market', algo: 'logistic', competitions, trainTo: '2019-06-30', testFrom: '2019-07-01', testTo: '2024-06-30' },
    };
  }
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const currentSeason = now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  const league = writeSyntheticLeague(join(ctx.config.home, 'synthetic'), { seasons: 8, asOf: now });
  return {
    label: `SYNTHETIC league (simulated, not real data): ${league.teams.length} teams, ${league.games} played games, ${league.unplayed} fixtures to come`,
    synthetic: true,
    files: league.files,
    spec: {
      model: DEMO_MODEL,
      featureSet: 'soccer-1x2-market',
      algo: 'logistic',
      competitions: [SYNTHETIC_DIVISION],
      trainTo: `${currentSeason - 1}-06-30`,
      testFrom: `${currentSeason - 1}-07-01`,
      testTo: today,
    },
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job: import data, build features, train through the job system, register, promote to champion, serve')
    .option('--data <dir>', `a folder of real files (e.g. ../shared/data), trained as model ${REAL_MODEL}; default: a simulated league, labelled synthetic, as ${DEMO_MODEL}`)
    .option('--leagues <codes>', 'with --data: only these divisions, e.g. E0,SP1 (default: every file)')
    .option('--seasons <codes>', 'with --data: only these seasons as in the file names, e.g. 1819,1920 (default: every season)')
    .option('--no-serve', 'do everything, then exit instead of serving')
    .option('--json', 'print one JSON summary instead of the walkthrough text (with --no-serve)')
    .action(async (opts: DemoOptions & { serve: boolean; json?: boolean }) => {
      let ctx: AppContext | undefined;
      try {
        const clock = stageClock();
        const config = loadConfig();
        const { createContext, startServer, startWorkers, workerDefinitions } = await runtime();
        const total = opts.serve ? 7 : 5;
        clock.lap('start-up');
        step(1, total, `database: ${config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${config.home}`}; jobs: ${config.redisUrl ? 'BullMQ on Redis' : 'in-process'}`);
        ctx = await createContext({ ...config, logLevel: config.commandLogLevel }, { onDbNotice: (message) => process.stderr.write(`      ${message}\n`) });
        if (!opts.data && (opts.leagues || opts.seasons)) throw new AppError('VALIDATION_FAILED', '--leagues and --seasons need --data');
        clock.lap('database');
        const demo = plan(ctx, opts);
        const modelName = demo.spec.model;
        step(2, total, `importing ${demo.label}`);
        const started = Date.now();
        const { importFiles } = await import('../../services/index.ts');
        const imported = await importFiles(ctx, operatorActor('demo'), { source: 'football-data', paths: demo.files, onProgress: importProgress(config.progress, '      ') }, 'demo');
        process.stderr.write(`      inserted ${imported.inserted}, updated ${imported.updated}, unchanged ${imported.unchanged}, quarantined ${imported.rejected} bad rows (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        clock.lap('import');

        step(3, total, `training job: ${demo.spec.featureSet} / ${demo.spec.algo}, train to ${demo.spec.trainTo}, test ${demo.spec.testFrom}..${demo.spec.testTo} (features build as part of the job)`);
        const workers = ctx.queues.kind === 'in-process' ? startWorkers(ctx, workerDefinitions) : undefined;
        const { submitTraining } = await import('../../services/index.ts');
        const { run, created } = await submitTraining(ctx, demo.spec, 'demo');
        if (!created) process.stderr.write(`      reusing run ${run.id} (${run.status})\n`);
        const done = await waitForRun(ctx, run.id);
        if (!opts.serve) await workers?.close();
        if (done.status !== 'succeeded') throw new Error(`training run ${run.id} ${done.status}: ${done.error?.message ?? ''}`);
        const versionNumber = Number(done.result?.version);
        const version = await getVersion(ctx.db, modelName, versionNumber);
        clock.lap('training');

        step(4, total, `registered ${modelName} v${versionNumber}`);
        const m = version.metrics;
        const evaluation = version.evaluation as { summary?: Record<string, { logLoss: number; n: number }> };
        const s = evaluation.summary ?? {};
        process.stderr.write(`      out of sample (${demo.synthetic ? 'SYNTHETIC data' : 'real data'}), log loss on the same ${s.closing?.n ?? m.testGames} games: model ${m.logLoss?.toFixed(4)}` +
          `${s.preclosing ? `, pre-closing market ${s.preclosing.logLoss.toFixed(4)}` : ''}${s.closing ? `, closing market ${s.closing.logLoss.toFixed(4)}` : ''}; ECE ${m.ece?.toFixed(4)}\n`);

        // The one promotion path: a server sharing this database swaps to the new champion at once.
        // The demo is the operator of its own database: it promotes directly, audited as `demo`.
        const { moveAlias } = await import('../../services/index.ts');
        await moveAlias(ctx, { model: modelName, alias: 'champion', version: versionNumber, actor: operatorActor('demo') });
        step(5, total, `champion -> ${modelName} v${versionNumber}`);

        clock.lap('promote');
        const summary = { data: demo.label, synthetic: demo.synthetic, competitions: demo.spec.competitions ?? null, import: imported, run: done.id, model: modelName, version: versionNumber, metrics: m, stages: clock.stages };
        if (!opts.serve) {
          process.stderr.write(clock.line('done'));
          if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
          await ctx.close();
          return;
        }
        const example = await examplePrediction(ctx, demo.spec.competitions);
        const key = config.auth === 'off' ? null : await ensureLocalAdminKey(ctx.db, config.home);
        if (key?.state === 'created') process.stderr.write(`      created a local admin key ${key.prefix}: its token is in ${key.path} (readable by you only)\n`);
        // The demo's people get keys only on a database whose keys this home holds (never in a user's own).
        const people = key && key.state !== 'foreign'
          ? { scientist: await ensureLocalKey(ctx.db, config.home, DEMO_SCIENTIST), reviewer: await ensureLocalKey(ctx.db, config.home, DEMO_REVIEWER) }
          : null;
        for (const k of people ? [people.scientist, people.reviewer] : []) {
          if (k.state === 'created') process.stderr.write(`      created a ${k.name} key ${k.prefix}: its token is in ${k.path} (readable by you only)\n`);
        }
        clock.lap('keys');

        step(6, total, `a challenger for the reviewer: ${DEMO_SCIENTIST.name} trains ${modelName} with calibrate=temperature and proposes it as champion`);
        const review = await openChallengerProposal(ctx, demo.spec, versionNumber, people?.scientist);
        await workers?.close();
        process.stderr.write(`      proposal ${review.proposal.id} (${review.created ? 'new' : 'already open'}): ${modelName} champion v${review.proposal.fromVersion ?? '-'} -> v${review.proposal.version}, awaiting a reviewer\n`);

        clock.lap('challenger');
        const server = await startServer(ctx);
        clock.lap('server');
        process.stderr.write(clock.line('ready to serve'));
        step(7, total, `serving on ${server.url}`);
        process.stdout.write(nextSteps(server.url, modelName, versionNumber, demo.synthetic, example, key, { proposal: review.proposal, reviewer: people?.reviewer ?? null }));
        await untilSignal();
        process.stderr.write('stopping...\n');
        await stopWithin(server.stop(), ctx.logger);
      } catch (error) {
        process.exitCode = reportFailure(error);
        await ctx?.close().catch(() => undefined);
      }
    });
}

/**
 * Trains the challenger through the job system (its run id derives from its spec, so a second demo
 * reuses it) and opens the proposal to make it champion, as the demo scientist. An open proposal of
 * the champion alias (one at a time) is reused.
 */
async function openChallengerProposal(ctx: AppContext, spec: DemoPlan['spec'], champion: number, scientist: LocalKey | undefined) {
  const { submitTraining, listProposals, proposePromotion } = await import('../../services/index.ts');
  const challenger = { ...spec, params: { ...CHALLENGER_PARAMS } };
  const { run, created } = await submitTraining(ctx, challenger, DEMO_SCIENTIST.name);
  if (!created) process.stderr.write(`      reusing run ${run.id} (${run.status})\n`);
  const done = await waitForRun(ctx, run.id);
  if (done.status !== 'succeeded') throw new Error(`challenger run ${run.id} ${done.status}: ${done.error?.message ?? ''}`);
  const version = Number(done.result?.version);
  const open = (await listProposals(ctx.db, { model: spec.model, status: 'pending' })).find((p) => p.alias === 'champion');
  if (open) return { proposal: open, created: false };
  if (version === champion) throw new Error(`the challenger registered as v${version}, the champion itself`);
  const actor: Actor = { name: DEMO_SCIENTIST.name, role: DEMO_SCIENTIST.role, ...(scientist ? { keyPrefix: scientist.prefix } : {}) };
  return { proposal: await proposePromotion(ctx, actor, { model: spec.model, alias: 'champion', version, note: CHALLENGER_NOTE }), created: true };
}

/**
 * A predict body that works on the imported data: the next scheduled fixture by id, else (history
 * only, e.g. the real files) tomorrow's matchup of the last game's teams with example odds.
 */
async function examplePrediction(ctx: AppContext, competitions: string[] | undefined): Promise<{ games: Array<Record<string, unknown>> }> {
  const competition = competitions?.[0];
  const next = (await listGames(ctx.db, { competition, status: 'scheduled', limit: 1 })).items[0];
  if (next) return { games: [{ gameId: next.id }] };
  const { total } = await listGames(ctx.db, { competition, limit: 1 });
  const last = (await listGames(ctx.db, { competition, limit: 1, offset: Math.max(total - 1, 0) })).items[0]!;
  const kickoff = new Date(Date.now() + 24 * 3600 * 1000);
  kickoff.setUTCHours(15, 0, 0, 0);
  return {
    games: [{ competition: last.competition.code, home: last.home.name, away: last.away.name, kickoff: kickoff.toISOString(), odds: [{ bookmaker: 'pinnacle', home: 2.1, draw: 3.4, away: 3.6 }] }],
  };
}

/** Quotes text for a POSIX shell: the printed commands must work as pasted (team names hold quotes). */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How the printed curl commands authenticate: the local admin key's file, or the user's own key. */
function authHeader(key: LocalAdminKey | null): string {
  if (!key) return '';
  if (key.state === 'foreign') return ' -H "authorization: Bearer $SHARPLINE_API_KEY"';
  return ` -H "authorization: Bearer $(cat ${shellQuote(key.path)})"`;
}

function keyNote(key: LocalAdminKey | null): string {
  if (!key) return '  auth            off (SHARPLINE_AUTH=off): every route is open\n';
  if (key.state === 'foreign') return '  auth            on: this database has keys, so the calls below use yours (export SHARPLINE_API_KEY=<your key>)\n';
  return `  auth            on: every call but /healthz and /readyz needs a key; this home's admin key (${key.prefix}) is in ${key.path}\n` +
    '                  more keys: npx sharpline keys create --name <who> --role scientist|reviewer|app\n';
}

/** How a reviewer signs in to the console: the demo reviewer's key, printed to paste. */
function signInNote(key: LocalAdminKey | null, reviewer: LocalKey | null): string {
  if (!key) return '  sign in         leave the key empty (auth is off)\n';
  if (!reviewer) return '  sign in         with a reviewer key of yours (npx sharpline keys create --name <you> --role reviewer)\n';
  return `  sign in         paste the reviewer key ${reviewer.token}\n` +
    `                  (${reviewer.name}; also in ${reviewer.path}; the scientist's key is in ${join(dirname(reviewer.path), DEMO_SCIENTIST.file)})\n`;
}

function nextSteps(url: string, model: string, version: number, synthetic: boolean, example: object, key: LocalAdminKey | null, review: { proposal: { id: number; version: number; fromVersion: number | null; proposedBy: string }; reviewer: LocalKey | null }): string {
  const auth = authHeader(key);
  const p = review.proposal;
  return `
Sharpline is serving ${model} (champion)${synthetic ? ' trained on a SYNTHETIC league' : ''} at ${url}

${keyNote(key)}
  the console     ${url}/ui/   (models, evidence, explanations, runs, promotions in a browser)
${signInNote(key, review.reviewer)}  to review       proposal ${p.id} by ${p.proposedBy}: ${model} champion v${p.fromVersion ?? '-'} -> v${p.version}, at ${url}/ui/#/promotions
                  (Models: open v${p.version} for its evidence; Explain a game; then Promotions: approve or reject)
  API index       ${url}/   (reference: ${url}/docs)
  a prediction    curl -s -X POST ${url}/v1/models/${model}/predict${auth} -H 'content-type: application/json' -d ${shellQuote(JSON.stringify(example))}
  the version     curl -s${auth} ${url}/v1/models/${model}/versions/${version} | head -c 600
  its predictions curl -s${auth} '${url}/v1/models/${model}/versions/${version}/predictions?format=csv' | head
  training runs   curl -s${auth} ${url}/v1/training-jobs

  CLI             npx sharpline models show ${model}
                  npx sharpline runs
                  npx sharpline --help

Press Ctrl-C to stop.
`;
}
