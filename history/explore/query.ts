/**
 * The explorer's query builder: a `QuerySpec` (allow-listed groups, measures and columns; literal
 * filters) compiled by Kysely to one parameterised Postgres statement over games, seasons,
 * competitions, results, the chosen book's prices and (optionally) one model version's stored test
 * predictions. Kysely only compiles here (no driver): the statement runs on whichever `Db` the
 * home has (pg or PGlite), in a read-only transaction, as the read-only role where it exists, with a
 * statement timeout and a row limit.
 */
import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql,
  type ColumnType, type Expression, type RawBuilder, type SelectQueryBuilder,
} from 'kysely';
import { AppError, loadSql, type Db } from '../../core/index.ts';
import { resolveTeamId } from '../store/browse-store.ts';
import { ODDS_BUCKET_EDGES, measureName, parseQuerySpec, type Group, type Measure, type QuerySpec } from './spec.ts';

/** The tables the explorer may read (and nothing else: the read-only role is granted these only). */
interface ExplorerTables {
  games: { id: number; sport_id: number; competition_id: number; season_id: number; kickoff: Date; game_date: string; home_team_id: number; away_team_id: number; status: string };
  seasons: { id: number; competition_id: number; label: string; start_year: number };
  competitions: { id: number; code: string; name: string };
  results: { game_id: number; home_score: number; away_score: number; outcome: string };
  teams: { id: number; name: string };
  bookmakers: { id: number; code: string };
  odds: { game_id: number; kickoff: Date; bookmaker_id: number; market: string; selection: string; line: number; kind: string; price: number };
  model_predictions: { version_id: number; game_id: number; probabilities: ColumnType<number[]> };
}

/** Compiles only: Postgres SQL text and its parameters, never executed by Kysely itself. */
const compiler = new Kysely<ExplorerTables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const ROLE_SETUP = loadSql(import.meta.url, './sql/explorer-role.sql');
const ROLE_READY = loadSql(import.meta.url, './sql/explorer-role-ready.sql');
export const EXPLORER_ROLE = 'sharpline_explorer';

/** A model version's stored predictions, resolved by the caller (the registry is not history's). */
export interface ExplorerModel {
  ref: string;
  versionId: number;
  /** Class names in probability order ({home,draw,away} or {home,away}). */
  classes: readonly string[];
}

export interface QueryLimits {
  /** Statement timeout in milliseconds (Postgres enforces it; see README *Data explorer* for PGlite). */
  timeoutMs: number;
  /** Rows at most in an answer, whatever the spec asks for. */
  maxRows: number;
}

export interface QueryColumn {
  name: string;
  role: 'group' | 'measure';
  type: 'text' | 'number';
}

export interface QueryResultSet {
  columns: QueryColumn[];
  rows: Array<Record<string, string | number | null>>;
  /** True when more rows matched than the limit allowed (the rest were not read). */
  truncated: boolean;
  limit: number;
  /** The statement as run ($n placeholders) and its parameters: what the spec compiled to. */
  sql: string;
  parameters: unknown[];
  /** How it ran: as the read-only role, or (no role could be set up) in a read-only transaction only. */
  guard: 'role' | 'read-only transaction';
  /** Database milliseconds. */
  ms: number;
}

/** The main statement's tables by their aliases (the joins a spec may add included). */
interface Aliased {
  g: ExplorerTables['games']; se: ExplorerTables['seasons']; c: ExplorerTables['competitions']; r: ExplorerTables['results'];
  o: OddsRow; mp: ExplorerTables['model_predictions']; t: ExplorerTables['teams'];
}
type Query = SelectQueryBuilder<Aliased, keyof Aliased, Record<string, unknown>>;
interface OddsRow { game_id: number; p_home: number | null; p_draw: number | null; p_away: number | null }

const prices = { home: sql.ref('o.p_home'), draw: sql.ref('o.p_draw'), away: sql.ref('o.p_away') } as const;
const overround = sql`(1.0 / o.p_home + coalesce(1.0 / o.p_draw, 0) + 1.0 / o.p_away)`;

/** The de-vigged market probability of `selection` at the chosen book (NULL without prices). */
const marketProb = (selection: keyof typeof prices) => sql<number>`((1.0 / ${prices[selection]}) / ${overround})`;
/** The de-vigged market probability of the observed outcome. */
const marketProbOfOutcome = sql<number>`(CASE r.outcome WHEN 'home' THEN 1.0 / o.p_home WHEN 'draw' THEN 1.0 / o.p_draw WHEN 'away' THEN 1.0 / o.p_away END / ${overround})`;

function modelProb(model: ExplorerModel | undefined, selection: string): RawBuilder<number> {
  if (!model) throw new AppError('QUERY_INVALID', 'this measure or filter needs a model: set "model" (name@version or name@alias)', { details: { path: '/model' } });
  const index = model.classes.indexOf(selection);
  if (index < 0) throw new AppError('QUERY_INVALID', `model ${model.ref} has no class "${selection}" (its classes: ${model.classes.join(', ')})`, { details: { path: '/selection' } });
  return sql<number>`mp.probabilities[${index + 1}]`;
}

function modelProbOfOutcome(model: ExplorerModel | undefined): RawBuilder<number> {
  if (!model) modelProb(model, 'home');
  const cases = model!.classes.map((c, i) => sql`WHEN ${c} THEN mp.probabilities[${i + 1}]`);
  return sql<number>`(CASE r.outcome ${sql.join(cases, sql` `)} END)`;
}

function oddsBucket(price: RawBuilder<unknown>): RawBuilder<string> {
  const labels: string[] = [];
  let low = 1;
  const cases = ODDS_BUCKET_EDGES.map((edge) => {
    const label = `${low.toFixed(2)}-${edge.toFixed(2)}`;
    labels.push(label);
    low = edge;
    return sql`WHEN ${price} < ${edge} THEN ${label}`;
  });
  return sql<string>`(CASE WHEN ${price} IS NULL THEN NULL ${sql.join(cases, sql` `)} ELSE ${`${low.toFixed(2)}+`} END)`;
}

/** What a spec needs resolved before it compiles: the team's id, the model's predictions. */
export interface CompileInput {
  spec: QuerySpec;
  teamId?: number;
  model?: ExplorerModel;
  limit: number;
}

/** Compiles a checked spec to one statement; pure (no database), so tests can read what it makes. */
export function compileQuery(input: CompileInput): { sql: string; parameters: unknown[]; columns: QueryColumn[] } {
  const { spec, model } = input;
  const selection = spec.selection ?? 'home';
  const book = spec.book ?? 'market_avg';
  const kind = spec.oddsKind ?? 'closing';
  const filters = spec.filters ?? {};
  const groups = spec.groupBy ?? [];
  const price = prices[selection];
  const needsModel = spec.measures.some((m) => (m.kind === 'mean' && (m.column === 'modelProb' || m.column === 'edge')) || (m.kind === 'logLoss' && m.of === 'model')) || filters.edge !== undefined;
  if (needsModel && !model) modelProb(model, selection);
  const names = spec.measures.map(measureName);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new AppError('QUERY_INVALID', `measure ${repeated} is asked for twice`, { details: { path: '/measures' } });

  const odds = compiler
    .selectFrom('odds as od')
    .innerJoin('bookmakers as b', 'b.id', 'od.bookmaker_id')
    .select([
      'od.game_id',
      sql<number>`max(od.price) FILTER (WHERE od.selection = 'home')`.as('p_home'),
      sql<number>`max(od.price) FILTER (WHERE od.selection = 'draw')`.as('p_draw'),
      sql<number>`max(od.price) FILTER (WHERE od.selection = 'away')`.as('p_away'),
    ])
    .where('b.code', '=', book)
    .where('od.kind', '=', kind)
    .where('od.market', 'in', ['1x2', 'moneyline'])
    .where('od.line', '=', 0)
    .groupBy('od.game_id');

  const side = selection === 'away' ? sql.ref('g.away_team_id') : sql.ref('g.home_team_id');
  let q = compiler
    .selectFrom('games as g')
    .innerJoin('seasons as se', 'se.id', 'g.season_id')
    .innerJoin('competitions as c', 'c.id', 'g.competition_id')
    .leftJoin('results as r', 'r.game_id', 'g.id')
    .leftJoin(odds.as('o'), 'o.game_id', 'g.id')
    .$if(needsModel, (b) => b.innerJoin('model_predictions as mp', (join) => join.onRef('mp.game_id', '=', 'g.id').on('mp.version_id', '=', model!.versionId)))
    .$if(groups.includes('team'), (b) => b.innerJoin('teams as t', (join) => join.on(sql.ref('t.id'), '=', side))) as unknown as Query;

  // Filters: every literal is a parameter.
  const f = filters;
  if (f.competition?.length) q = q.where('c.code', 'in', f.competition);
  if (f.season?.length) q = q.where('se.label', 'in', f.season);
  if (input.teamId !== undefined) q = q.where((eb) => eb.or([eb('g.home_team_id', '=', input.teamId!), eb('g.away_team_id', '=', input.teamId!)]));
  if (f.from) q = q.where(sql`g.kickoff`, '>=', sql`${f.from}::date`);
  if (f.to) q = q.where(sql`g.kickoff`, '<', sql`${f.to}::date + 1`);
  if (f.odds?.min !== undefined) q = q.where(price, '>=', f.odds.min);
  if (f.odds?.max !== undefined) q = q.where(price, '<=', f.odds.max);
  const edge = needsModel ? sql<number>`(${modelProb(model, selection)} - ${marketProb(selection)})` : undefined;
  if (f.edge?.min !== undefined) q = q.where(edge!, '>=', f.edge.min);
  if (f.edge?.max !== undefined) q = q.where(edge!, '<=', f.edge.max);

  // Groups: fixed expressions by name.
  const groupExpr: Record<Group, Expression<unknown>> = {
    season: sql.ref('se.label'),
    competition: sql.ref('c.code'),
    team: sql.ref('t.name'),
    month: sql`to_char(g.kickoff AT TIME ZONE 'UTC', 'YYYY-MM')`,
    oddsBucket: oddsBucket(price),
  };
  const columns: QueryColumn[] = groups.map((g) => ({ name: g, role: 'group', type: 'text' }));
  // Grouped and ordered by output position: an expression holding parameters ($n differ per use)
  // is not the same expression to Postgres twice. Positions are numbers from this code, never input.
  groups.forEach((g, i) => {
    q = q.select(sql`${groupExpr[g]}`.as(g)).groupBy(sql.raw(String(i + 1)) as never);
    if (g === 'season') q = q.groupBy('se.start_year' as never);
  });

  // Measures: fixed expressions by kind and allow-listed column.
  const won = sql`(CASE WHEN r.outcome IS NULL THEN NULL WHEN r.outcome = ${selection} THEN 1.0 ELSE 0.0 END)`;
  const meanOf: Record<Extract<Measure, { kind: 'mean' }>['column'], () => RawBuilder<unknown>> = {
    homeScore: () => sql`r.home_score`,
    awayScore: () => sql`r.away_score`,
    totalScore: () => sql`(r.home_score + r.away_score)`,
    goalDiff: () => sql`(r.home_score - r.away_score)`,
    price: () => sql`${price}`,
    marketProb: () => marketProb(selection),
    modelProb: () => modelProb(model, selection),
    edge: () => edge!,
  };
  for (const m of spec.measures) {
    let expr: RawBuilder<unknown>;
    switch (m.kind) {
      case 'count': expr = sql`count(*)::float8`; break;
      case 'mean': expr = sql`avg(${meanOf[m.column]()})::float8`; break;
      case 'winRate': expr = sql`avg(${won})::float8`; break;
      case 'roi': expr = sql`avg(CASE WHEN r.outcome IS NULL OR ${price} IS NULL THEN NULL WHEN r.outcome = ${selection} THEN ${price} - 1 ELSE -1.0 END)::float8`; break;
      case 'logLoss': {
        const p = m.of === 'market' ? marketProbOfOutcome : modelProbOfOutcome(model);
        // greatest() skips NULLs: a game without prices (or result) must stay out, not score 1e-15.
        expr = sql`avg(CASE WHEN ${p} IS NULL THEN NULL ELSE -ln(greatest(${p}, 1e-15)) END)::float8`;
        break;
      }
    }
    q = q.select(expr.as(measureName(m)));
    columns.push({ name: measureName(m), role: 'measure', type: 'number' });
  }

  // Order: by the groups (seasons by their start year), then a stable limit (+1 to see truncation).
  groups.forEach((g, i) => {
    if (g === 'season') q = q.orderBy(sql`se.start_year`);
    // Buckets in price order, not label order ('10.00+' after '6.00-10.00'); the no-price bucket last.
    if (g === 'oddsBucket') q = q.orderBy(sql`min(${price}) NULLS LAST`);
    q = q.orderBy(sql.raw(String(i + 1)));
  });
  q = q.limit(input.limit + 1);
  const compiled = q.compile();
  return { sql: compiled.sql, parameters: [...compiled.parameters], columns };
}

const prepared = new WeakMap<Db, Promise<boolean>>();

/** Sets the read-only role up once per database handle; false when it cannot be (no privilege). */
async function roleReady(db: Db): Promise<boolean> {
  let ready = prepared.get(db);
  if (!ready) {
    ready = (async () => {
      try {
        await db.exec(ROLE_SETUP);
      } catch {
        // Concurrent set-ups from other schemas can race on the catalog; the check below decides.
      }
      const { rows } = await db.query<{ ready: boolean }>(ROLE_READY);
      return rows[0]?.ready === true;
    })();
    prepared.set(db, ready);
  }
  return ready;
}

const isTimeout = (error: unknown) => (error as { code?: string })?.code === '57014' || /statement timeout/i.test((error as Error)?.message ?? '');

/**
 * Runs an explorer query: checks the spec, resolves the team, compiles, and runs the statement in
 * a READ ONLY transaction as the `sharpline_explorer` role (where it can be set up), with
 * `statement_timeout` and the row limit.
 * @throws AppError QUERY_INVALID (the spec), QUERY_TIMEOUT (past the timeout), TEAM_NOT_FOUND, TEAM_AMBIGUOUS
 */
export async function runQuery(db: Db, input: unknown, limits: QueryLimits, model?: ExplorerModel): Promise<QueryResultSet> {
  const spec = parseQuerySpec(input);
  const limit = Math.min(spec.limit ?? 1000, limits.maxRows);
  const teamId = spec.filters?.team === undefined ? undefined : await resolveTeamId(db, spec.filters.team);
  const compiled = compileQuery({ spec, teamId, model, limit });
  const useRole = await roleReady(db);
  const started = Date.now();
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      if (useRole) await tx.query(`SET LOCAL ROLE ${EXPLORER_ROLE}`);
      await tx.query("SELECT set_config('statement_timeout', $1, true)", [String(Math.max(1, Math.round(limits.timeoutMs)))]);
      return (await tx.query(compiled.sql, compiled.parameters)).rows;
    });
  } catch (error) {
    if (isTimeout(error)) {
      throw new AppError('QUERY_TIMEOUT', `the query ran past the statement timeout (${limits.timeoutMs} ms): narrow the filters or group less`, { details: { timeoutMs: limits.timeoutMs }, cause: error });
    }
    throw error;
  }
  const truncated = rows.length > limit;
  const out = rows.slice(0, limit).map((row) => {
    const r: Record<string, string | number | null> = {};
    for (const c of compiled.columns) {
      const v = row[c.name];
      r[c.name] = v === null || v === undefined ? null : c.type === 'number' ? Number(v) : String(v);
    }
    return r;
  });
  return { columns: compiled.columns, rows: out, truncated, limit, sql: compiled.sql, parameters: compiled.parameters, guard: useRole ? 'role' : 'read-only transaction', ms: Date.now() - started };
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A result set as CSV: a header of the column names, one line per row (RFC 4180 quoting). */
export function queryResultCsv(result: Pick<QueryResultSet, 'columns' | 'rows'>): string {
  const names = result.columns.map((c) => c.name);
  return [names.map(csvCell).join(','), ...result.rows.map((r) => names.map((n) => csvCell(r[n] ?? null)).join(','))].join('\n') + '\n';
}
