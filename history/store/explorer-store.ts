/**
 * The data explorer's reads: coverage of each competition season (games, results, odds by
 * bookmaker and kind, reference forecasts, quarantined rows), a data-quality report per source and
 * season with its quarantine, a game's whole record (line movement, provider snapshots, stored
 * feature rows, every model version's prediction) and a team's timeline (results, ratings of a
 * feature set, the market's implied strength, renames). Read-only; `db` first.
 */
import { type Db, AppError, devig, loadSql } from '../../core/index.ts';
import { resolveTeamId } from './browse-store.ts';

const COVERAGE_SEASONS_SQL = loadSql(import.meta.url, './sql/explorer-coverage-seasons.sql');
const COVERAGE_BOOKS_SQL = loadSql(import.meta.url, './sql/explorer-coverage-books.sql');
const COVERAGE_FORECASTS_SQL = loadSql(import.meta.url, './sql/explorer-coverage-forecasts.sql');
const SOURCE_SEASONS_SQL = loadSql(import.meta.url, './sql/explorer-source-seasons.sql');
const SOURCE_COMPETITIONS_SQL = loadSql(import.meta.url, './sql/explorer-source-competitions.sql');
const DUPLICATES_SQL = loadSql(import.meta.url, './sql/explorer-duplicates.sql');
const REJECTS_SQL = loadSql(import.meta.url, './sql/explorer-rejects.sql');
const GAME_FEATURES_SQL = loadSql(import.meta.url, './sql/explorer-game-features.sql');
const GAME_PREDICTIONS_SQL = loadSql(import.meta.url, './sql/explorer-game-predictions.sql');
const PROVIDER_SNAPSHOTS_SQL = loadSql(import.meta.url, './sql/explorer-provider-snapshots.sql');
const TEAM_SQL = loadSql(import.meta.url, './sql/explorer-team.sql');
const TEAM_GAMES_SQL = loadSql(import.meta.url, './sql/explorer-team-games.sql');
const TEAM_ODDS_SQL = loadSql(import.meta.url, './sql/explorer-team-odds.sql');
const FEATURE_SETS_OF_GAMES_SQL = loadSql(import.meta.url, './sql/explorer-feature-sets-of-games.sql');
const FEATURE_VALUES_SQL = loadSql(import.meta.url, './sql/explorer-feature-values.sql');

/** The odds kinds in the order a market forms: first price, the one the sources call pre-closing, the close, dated snapshots. */
export const ODDS_KINDS = ['opening', 'preclosing', 'closing', 'snapshot'] as const;
export type CoverageKind = (typeof ODDS_KINDS)[number];

// ---------------------------------------------------------------------------------------------
// Quarantine, attributed to a competition and season

/** A quarantined row or value, with the competition and season its raw text points to (null when it cannot be told). */
export interface QuarantinedRow {
  id: number;
  runId: number;
  source: string;
  file: string;
  lineNo: number;
  raw: string;
  reasons: string[];
  /** The column of a value quarantined alone (its row imported); null when the whole row was quarantined. */
  field: string | null;
  competition: string | null;
  season: string | null;
}

interface SourceSeasonRow {
  source: string; sport: string; competition: string; season: string; start_year: number; season_id: number; first: string; last: string;
  games: number; missing_results: number; missing_odds: number; missing_opening: number; missing_preclosing: number; missing_closing: number;
}

interface RejectDbRow { id: number; run_id: number; source: string; file: string; line_no: number; raw: string; reasons: string[]; field: string | null }

const DAY = 86_400_000;

/** Calendar dates a raw line may hold: ISO, day/month/year and month/day/year (2- or 4-digit years). */
function candidateDates(raw: string): number[] {
  const out: number[] = [];
  const add = (y: number, m: number, d: number) => {
    const year = y < 100 ? (y < 50 ? 2000 + y : 1900 + y) : y;
    const t = Date.UTC(year, m - 1, d);
    const back = new Date(t);
    if (m >= 1 && m <= 12 && d >= 1 && back.getUTCDate() === d && back.getUTCMonth() === m - 1) out.push(t);
  };
  for (const m of raw.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) add(Number(m[1]), Number(m[2]), Number(m[3]));
  for (const m of raw.matchAll(/\b(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})\b/g)) {
    add(Number(m[3]), Number(m[2]), Number(m[1]));
    add(Number(m[3]), Number(m[1]), Number(m[2]));
  }
  return out;
}

/**
 * Which competition and season a quarantined line belongs to, from its text: the competition is a
 * CSV field equal to one of its source's competition codes (or the source's only competition), the
 * season the one of that competition whose games span a date the line holds (two days' slack).
 */
function attribute(raw: string, competitions: string[], spans: SourceSeasonRow[]): { competition: string | null; season: string | null } {
  const fields = new Set(raw.split(',').map((f) => f.trim().replace(/^"|"$/g, '')));
  const named = competitions.filter((c) => fields.has(c));
  const competition = named.length === 1 ? named[0]! : competitions.length === 1 ? competitions[0]! : null;
  const scoped = competition ? spans.filter((s) => s.competition === competition) : spans;
  for (const date of candidateDates(raw)) {
    const hit = scoped.find((s) => date >= Date.parse(s.first) - 2 * DAY && date <= Date.parse(s.last) + 2 * DAY);
    if (hit) return { competition: competition ?? hit.competition, season: hit.season };
  }
  return { competition, season: null };
}

/**
 * Every quarantined line once: a file imported again quarantines its bad lines again, so only the
 * latest run's copy of a (source, file name, line, column, text) is kept.
 */
async function quarantine(db: Db, source: string | null): Promise<QuarantinedRow[]> {
  const [rejects, comps, spans] = await Promise.all([
    db.query<RejectDbRow>(REJECTS_SQL, [source]),
    db.query<{ source: string; sport: string; competition: string }>(SOURCE_COMPETITIONS_SQL),
    db.query<SourceSeasonRow>(SOURCE_SEASONS_SQL, [source, null, null]),
  ]);
  const latest = new Map<string, RejectDbRow>();
  for (const r of rejects.rows) latest.set([r.source, r.file.split('/').at(-1), r.line_no, r.field, r.raw].join('\u0000'), r);
  return [...latest.values()].map((r) => {
    const where = attribute(r.raw, comps.rows.filter((c) => c.source === r.source).map((c) => c.competition), spans.rows.filter((s) => s.source === r.source));
    return { id: Number(r.id), runId: Number(r.run_id), source: r.source, file: r.file, lineNo: r.line_no, raw: r.raw, reasons: r.reasons, field: r.field, ...where };
  }).sort((a, b) => a.id - b.id);
}

export interface QuarantineFilter {
  source?: string;
  competition?: string;
  /** A season label; `none` for lines no season could be told for. */
  season?: string;
  reason?: string;
  /** Whole rows (`row`) or single values (`value`). */
  scope?: 'row' | 'value';
  limit?: number;
  offset?: number;
}

/** Quarantined lines (latest run's copy of each), filtered by source, competition, season, reason, oldest first. */
export async function listQuarantine(db: Db, filter: QuarantineFilter = {}): Promise<{ total: number; limit: number; offset: number; items: QuarantinedRow[] }> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const offset = Math.max(filter.offset ?? 0, 0);
  const rows = (await quarantine(db, filter.source ?? null)).filter((r) =>
    (!filter.competition || r.competition === filter.competition)
    && (!filter.season || (filter.season === 'none' ? r.season === null : r.season === filter.season))
    && (!filter.reason || r.reasons.includes(filter.reason))
    && (!filter.scope || (filter.scope === 'row') === (r.field === null)));
  return { total: rows.length, limit, offset, items: rows.slice(offset, offset + limit) };
}

// ---------------------------------------------------------------------------------------------
// Coverage

export interface SeasonCoverage {
  season: string;
  games: number;
  results: number;
  missingResults: number;
  /** Games with at least one price of each kind, from any bookmaker. */
  gamesWithOdds: Record<CoverageKind, number>;
  /** Games without any price of the kind (games minus gamesWithOdds). */
  missingOdds: Record<CoverageKind, number>;
  /** Per bookmaker and kind: games priced and prices stored. */
  bookmakers: Array<{ bookmaker: string; kind: CoverageKind; games: number; prices: number }>;
  forecasts: { games: number; predictors: Array<{ predictor: string; games: number }> };
  /** Quarantined rows and values whose raw line points to this competition season. */
  quarantined: { rows: number; values: number };
}

export interface CompetitionCoverage {
  sport: string;
  competition: string;
  name: string;
  seasons: SeasonCoverage[];
}

export interface CoverageReport {
  competitions: CompetitionCoverage[];
  /** Quarantined lines no competition season could be told for. */
  unattributedQuarantine: { rows: number; values: number };
}

/** Coverage of every competition season (optionally one sport or competition). */
export async function coverageReport(db: Db, options: { sport?: string; competition?: string } = {}): Promise<CoverageReport> {
  const params = [options.sport ?? null, options.competition ?? null];
  const [seasons, books, forecasts, lines] = await Promise.all([
    db.query<{ season_id: number; sport: string; competition: string; competition_name: string; season: string; games: number; results: number; missing_results: number } & Record<CoverageKind, number> & { forecasts: number }>(COVERAGE_SEASONS_SQL, params),
    db.query<{ season_id: number; bookmaker: string; kind: CoverageKind; games: number; prices: number }>(COVERAGE_BOOKS_SQL, params),
    db.query<{ season_id: number; predictor: string; games: number }>(COVERAGE_FORECASTS_SQL, params),
    quarantine(db, null),
  ]);
  const booksBy = groupBy(books.rows, (r) => Number(r.season_id));
  const forecastsBy = groupBy(forecasts.rows, (r) => Number(r.season_id));
  const seen = new Set<string>();
  const quarantinedBy = new Map<string, { rows: number; values: number }>();
  const unattributed = { rows: 0, values: 0 };
  for (const q of lines) {
    const key = `${q.competition}|${q.season}`;
    const slot = q.competition && q.season ? (quarantinedBy.get(key) ?? quarantinedBy.set(key, { rows: 0, values: 0 }).get(key)!) : unattributed;
    if (q.field === null) slot.rows++;
    else slot.values++;
  }
  const competitions = new Map<string, CompetitionCoverage>();
  for (const r of seasons.rows) {
    const ckey = `${r.sport}|${r.competition}`;
    let c = competitions.get(ckey);
    if (!c) competitions.set(ckey, (c = { sport: r.sport, competition: r.competition, name: r.competition_name, seasons: [] }));
    const withOdds = Object.fromEntries(ODDS_KINDS.map((k) => [k, Number(r[k])])) as Record<CoverageKind, number>;
    const qkey = `${r.competition}|${r.season}`;
    seen.add(qkey);
    c.seasons.push({
      season: r.season,
      games: r.games,
      results: r.results,
      missingResults: r.missing_results,
      gamesWithOdds: withOdds,
      missingOdds: Object.fromEntries(ODDS_KINDS.map((k) => [k, r.games - withOdds[k]])) as Record<CoverageKind, number>,
      bookmakers: (booksBy.get(Number(r.season_id)) ?? []).map((b) => ({ bookmaker: b.bookmaker, kind: b.kind, games: b.games, prices: b.prices })),
      forecasts: { games: r.forecasts, predictors: (forecastsBy.get(Number(r.season_id)) ?? []).map((f) => ({ predictor: f.predictor, games: f.games })) },
      quarantined: quarantinedBy.get(qkey) ?? { rows: 0, values: 0 },
    });
  }
  // Lines pointing to a season with no stored game (a whole season rejected) are not lost.
  if (!options.sport && !options.competition) {
    for (const [key, n] of quarantinedBy) if (!seen.has(key)) { unattributed.rows += n.rows; unattributed.values += n.values; }
  }
  return { competitions: [...competitions.values()], unattributedQuarantine: unattributed };
}

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Data quality per source and season

export interface SourceSeasonQuality {
  source: string;
  sport: string;
  competition: string;
  season: string;
  games: number;
  missingResults: number;
  /** Games without any price, and without a price of each kind (opening, pre-closing, closing). */
  missingOdds: { any: number; opening: number; preclosing: number; closing: number };
  /** Quarantined whole rows and single values, with the count of each reason code. */
  rejected: { rows: number; values: number; reasons: Array<{ reason: string; count: number }> };
  /** Pairs of games with the same teams within two days: candidates for a duplicated import. */
  duplicates: Array<{ firstId: number; secondId: number; firstDate: string; secondDate: string; home: string; away: string }>;
}

export interface SourceQualityReport {
  generatedAt: string;
  seasons: SourceSeasonQuality[];
  /** Quarantined lines per source whose season could not be told (a bad or missing date). */
  unattributed: Array<{ source: string; rows: number; values: number; reasons: Array<{ reason: string; count: number }> }>;
}

function reasonCounts(rows: QuarantinedRow[]): Array<{ reason: string; count: number }> {
  const counts = new Map<string, number>();
  for (const r of rows) for (const reason of r.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** What each source delivered per competition season and what was wrong with it. */
export async function sourceQualityReport(db: Db, options: { source?: string; sport?: string; competition?: string } = {}): Promise<SourceQualityReport> {
  const params = [options.source ?? null, options.sport ?? null, options.competition ?? null];
  const [seasons, dups, lines] = await Promise.all([
    db.query<SourceSeasonRow>(SOURCE_SEASONS_SQL, params),
    db.query<{ season_id: number; first_id: number; second_id: number; first_date: string; second_date: string; home: string; away: string }>(DUPLICATES_SQL, params),
    quarantine(db, options.source ?? null),
  ]);
  const dupBy = groupBy(dups.rows, (r) => Number(r.season_id));
  const linesBy = groupBy(lines, (q) => `${q.source}|${q.competition}|${q.season}`);
  const used = new Set<string>();
  const out = seasons.rows.map((r): SourceSeasonQuality => {
    const key = `${r.source}|${r.competition}|${r.season}`;
    used.add(key);
    const q = linesBy.get(key) ?? [];
    return {
      source: r.source, sport: r.sport, competition: r.competition, season: r.season, games: r.games, missingResults: r.missing_results,
      missingOdds: { any: r.missing_odds, opening: r.missing_opening, preclosing: r.missing_preclosing, closing: r.missing_closing },
      rejected: { rows: q.filter((x) => x.field === null).length, values: q.filter((x) => x.field !== null).length, reasons: reasonCounts(q) },
      duplicates: (dupBy.get(Number(r.season_id)) ?? []).map((d) => ({ firstId: Number(d.first_id), secondId: Number(d.second_id), firstDate: d.first_date, secondDate: d.second_date, home: d.home, away: d.away })),
    };
  });
  const filtered = !options.sport && !options.competition;
  const rest = filtered ? groupBy(lines.filter((q) => !used.has(`${q.source}|${q.competition}|${q.season}`)), (q) => q.source) : new Map<string, QuarantinedRow[]>();
  return {
    generatedAt: new Date().toISOString(),
    seasons: out,
    unattributed: [...rest].map(([source, q]) => ({ source, rows: q.filter((x) => x.field === null).length, values: q.filter((x) => x.field !== null).length, reasons: reasonCounts(q) })),
  };
}

// ---------------------------------------------------------------------------------------------
// A game's record beyond getGame

export interface StoredFeatureRow {
  featureSet: string;
  hash: string;
  /** The row's kickoff; the row is built from history settled before it. */
  kickoff: string;
  builtAt: string;
  values: Array<{ name: string; value: number | null }>;
}

export interface StoredPrediction {
  model: string;
  version: number;
  status: string;
  featureSet: string | null;
  aliases: string[];
  classes: string[];
  probabilities: number[];
  outcome: string | null;
  createdAt: string;
}

export interface ProviderSnapshot {
  provider: string;
  bookmaker: string;
  market: string;
  selection: string;
  line: number;
  kind: string;
  capturedAt: string | null;
  price: number;
}

export interface GameExtras {
  features: StoredFeatureRow[];
  predictions: StoredPrediction[];
  providerOdds: ProviderSnapshot[];
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/** A game's stored feature rows, every model version's prediction and the provider snapshots matched to it. */
export async function gameExtras(db: Db, gameId: number): Promise<GameExtras> {
  const [features, predictions, provider] = await Promise.all([
    db.query<{ name: string; hash: string; feature_names: string[]; feature_values: Array<number | null>; kickoff: Date; built_at: Date }>(GAME_FEATURES_SQL, [gameId]),
    db.query<{ model: string; version: number; status: string; classes: string[]; probabilities: number[]; outcome: string | null; feature_set: string | null; created_at: Date; aliases: string[] }>(GAME_PREDICTIONS_SQL, [gameId]),
    db.query<{ provider: string; bookmaker: string; market: string; selection: string; line: number; kind: string; captured_at: Date | null; price: number }>(PROVIDER_SNAPSHOTS_SQL, [gameId]),
  ]);
  return {
    features: features.rows.map((f) => ({
      featureSet: f.name, hash: f.hash, kickoff: iso(f.kickoff)!, builtAt: iso(f.built_at)!,
      values: f.feature_names.map((name, i) => ({ name, value: f.feature_values[i] ?? null })),
    })),
    predictions: predictions.rows.map((p) => ({
      model: p.model, version: Number(p.version), status: p.status, featureSet: p.feature_set, aliases: p.aliases, classes: p.classes,
      probabilities: p.probabilities.map(Number), outcome: p.outcome, createdAt: iso(p.created_at)!,
    })),
    providerOdds: provider.rows.map((o) => ({ provider: o.provider, bookmaker: o.bookmaker, market: o.market, selection: o.selection, line: Number(o.line), kind: o.kind, capturedAt: iso(o.captured_at), price: Number(o.price) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Team timeline

export interface TimelineGame {
  id: number;
  gameDate: string;
  kickoff: string;
  competition: string;
  season: string;
  venue: 'home' | 'away';
  opponent: { id: number; name: string };
  /** The team's name on the day (its name history), null when it has none recorded. */
  nameThen: string | null;
  goalsFor: number | null;
  goalsAgainst: number | null;
  /** win, draw or loss; null before a result. */
  result: 'win' | 'draw' | 'loss' | null;
  /** The team's side of each rating of the feature set, before this game. */
  ratings: Record<string, number | null>;
  /** The market's de-vigged probability that the team wins, from the first book in preference order. */
  market: { win: number; draw: number | null; bookmaker: string; kind: string } | null;
}

export interface TeamTimeline {
  team: {
    id: number; sport: string; key: string; name: string;
    aliases: Array<{ source: string; alias: string; validFrom: string | null; validTo: string | null }>;
    names: Array<{ name: string; code: string | null; validFrom: string; validTo: string | null }>;
  };
  /** Name changes the timeline crosses (renames and relocations): the first game under each new name. */
  renames: Array<{ date: string; from: string; to: string; code: string | null; gameId: number | null }>;
  featureSet: { name: string; hash: string; ratings: Array<{ name: string; description: string }> } | null;
  /** Feature-set versions with rows for these games (choose one with `set`). */
  featureSets: Array<{ name: string; hash: string; rows: number }>;
  games: TimelineGame[];
}

/** Books in the order the market's strength is read from (sharp first, then consensus and averages). */
const MARKET_BOOKS = ['pinnacle', 'consensus', 'market_avg', 'bet365'];
const MARKET_KINDS = ['closing', 'preclosing', 'opening'];

/**
 * The team's side of each rating column: `x_home…`/`x_away…` pairs give the team's own column,
 * `x_diff` (home minus away) is negated for an away game; missing flags are left out.
 */
export function teamRatingColumns(names: string[]): Array<{ name: string; home: number; away: number; sign: boolean }> {
  const out: Array<{ name: string; home: number; away: number; sign: boolean }> = [];
  const index = new Map(names.map((n, i) => [n, i]));
  for (const [n, i] of index) {
    if (n.endsWith('_missing')) continue;
    if (n.endsWith('_diff')) out.push({ name: n, home: i, away: i, sign: true });
    else if (/(^|_)home(_|$)/.test(n)) {
      const away = index.get(n.replace(/(^|_)home(_|$)/, '$1away$2'));
      if (away !== undefined) out.push({ name: n.replace(/_home(?=_|$)|^home_/, ''), home: i, away, sign: false });
    }
  }
  return out;
}

/**
 * A team's timeline in kickoff order. `set` names a feature set (its version with most rows for
 * these games) or a version hash; by default the feature set with most rows. Throws TEAM_NOT_FOUND.
 */
export async function teamTimeline(db: Db, team: string, options: { set?: string; from?: string; to?: string; competition?: string } = {}): Promise<TeamTimeline> {
  const id = await resolveTeamId(db, team);
  const teamRow = (await db.query<{ id: number; sport: string; key: string; name: string; aliases: TeamTimeline['team']['aliases']; names: TeamTimeline['team']['names'] }>(TEAM_SQL, [id])).rows[0];
  if (!teamRow) throw new AppError('TEAM_NOT_FOUND', `no team with id ${id}`, { details: { team } });
  const games = (await db.query<{ id: number; game_date: string; kickoff: Date; status: string; competition: string; season: string; home_team_id: number; away_team_id: number; home_name: string; away_name: string; home_score: number | null; away_score: number | null; outcome: string | null; name_then: string | null }>(
    TEAM_GAMES_SQL, [id, options.from ?? null, options.to ?? null, options.competition ?? null])).rows;
  const ids = games.map((g) => Number(g.id));
  const [sets, odds] = await Promise.all([
    db.query<{ name: string; hash: string; feature_names: string[]; rows: number }>(FEATURE_SETS_OF_GAMES_SQL, [ids]),
    db.query<{ game_id: number; bookmaker: string; market: string; kind: string; selection: string; price: number }>(TEAM_ODDS_SQL, [ids]),
  ]);
  const chosen = options.set ? sets.rows.find((s) => s.hash === options.set || s.name === options.set) : sets.rows[0];
  const columns = chosen ? teamRatingColumns(chosen.feature_names) : [];
  const values = chosen ? new Map((await db.query<{ game_id: number; feature_values: Array<number | null> }>(FEATURE_VALUES_SQL, [chosen.hash, ids])).rows.map((r) => [Number(r.game_id), r.feature_values])) : new Map<number, Array<number | null>>();
  const pricesBy = groupBy(odds.rows, (o) => Number(o.game_id));

  const timeline = games.map((g): TimelineGame => {
    const home = Number(g.home_team_id) === id;
    const [gf, ga] = home ? [g.home_score, g.away_score] : [g.away_score, g.home_score];
    const row = values.get(Number(g.id));
    const ratings: Record<string, number | null> = {};
    for (const c of columns) {
      const v = row?.[home ? c.home : c.away];
      ratings[c.name] = v === null || v === undefined ? null : c.sign && !home ? -v : v;
    }
    return {
      id: Number(g.id), gameDate: g.game_date, kickoff: iso(g.kickoff)!, competition: g.competition, season: g.season,
      venue: home ? 'home' : 'away',
      opponent: home ? { id: Number(g.away_team_id), name: g.away_name } : { id: Number(g.home_team_id), name: g.home_name },
      nameThen: g.name_then,
      goalsFor: gf, goalsAgainst: ga,
      result: g.outcome === null ? null : g.outcome === 'draw' ? 'draw' : (g.outcome === 'home') === home ? 'win' : 'loss',
      ratings: chosen ? ratings : {},
      market: marketStrength(pricesBy.get(Number(g.id)) ?? [], home),
    };
  });
  const renames: TeamTimeline['renames'] = [];
  const names = teamRow.names;
  for (let i = 1; i < names.length; i++) {
    const first = timeline.find((g) => g.gameDate >= names[i]!.validFrom);
    renames.push({ date: names[i]!.validFrom, from: names[i - 1]!.name, to: names[i]!.name, code: names[i]!.code, gameId: first?.id ?? null });
  }
  return {
    team: { id: Number(teamRow.id), sport: teamRow.sport, key: teamRow.key, name: teamRow.name, aliases: teamRow.aliases, names },
    renames,
    featureSet: chosen ? { name: chosen.name, hash: chosen.hash, ratings: columns.map((c) => ({ name: c.name, description: c.sign ? `${c.name}: the team's side (home minus away, negated when the team is away)` : `${c.name}: the team's own column` })) } : null,
    featureSets: sets.rows.map((s) => ({ name: s.name, hash: s.hash, rows: s.rows })),
    games: timeline,
  };
}

/** De-vigged (proportional) win and draw probability of the team from the preferred complete book. */
function marketStrength(prices: Array<{ bookmaker: string; market: string; kind: string; selection: string; price: number }>, home: boolean): TimelineGame['market'] {
  const books = groupBy(prices, (p) => `${p.kind}|${p.bookmaker}|${p.market}`);
  const rank = (key: string) => {
    const [kind, book] = key.split('|') as [string, string];
    const b = MARKET_BOOKS.indexOf(book);
    return MARKET_KINDS.indexOf(kind) * 100 + (b < 0 ? 50 : b);
  };
  for (const key of [...books.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
    const group = books.get(key)!;
    const [kind, bookmaker, market] = key.split('|') as [string, string, string];
    const sel = (s: string) => group.find((p) => p.selection === s)?.price;
    const [h, d, a] = [sel('home'), sel('draw'), sel('away')];
    if (h === undefined || a === undefined || (market === '1x2' && d === undefined)) continue;
    const p = devig(market === '1x2' ? [h, d!, a] : [h, a]);
    const win = home ? p[0]! : p[p.length - 1]!;
    return { win, draw: market === '1x2' ? p[1]! : null, bookmaker, kind };
  }
  return null;
}
