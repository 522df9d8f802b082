/**
 * Data-quality report per competition and season: games, missing results, missing closing odds,
 * the overround distribution of closing 1X2/moneyline books, suspicious books and duplicate
 * candidates. Read-only; one pass of grouped queries.
 */
import { type Db, AGGREGATE_BOOKMAKERS } from '../../core/index.ts';

/** Pseudo-books derived from the other columns of the same file; consensus lines are checked like books (often the only line there is). */
const DERIVED_AGGREGATES = Object.entries(AGGREGATE_BOOKMAKERS).filter(([, kind]) => kind !== 'consensus').map(([code]) => code);

export interface SeasonQuality {
  sport: string;
  competition: string;
  season: string;
  games: number;
  /** Games whose kickoff has passed without a stored result. */
  missingResults: number;
  /** Games with no closing odds from any bookmaker. */
  missingClosingOdds: number;
  /**
   * Closing 1X2 / moneyline books (one per game and bookmaker) with every selection priced. The
   * aggregate columns computed from the other books of the same file (market_max, market_avg) are
   * not bookmakers and are left out: a best-of-market maximum is below 1.0 by construction.
   */
  books: number;
  /** Sum of implied probabilities (1/price) of those books: quantiles. */
  overround: { min: number; p05: number; median: number; p95: number; max: number } | null;
  /** Books with overround below 1.0 (an arbitrage) or above 1.25, or a price above 200. */
  suspiciousBooks: number;
  /** Pairs of games with the same teams within two days of each other. */
  duplicateCandidates: number;
}

export interface QualityReport {
  generatedAt: string;
  seasons: SeasonQuality[];
  totals: { games: number; missingResults: number; missingClosingOdds: number; suspiciousBooks: number; duplicateCandidates: number };
}

// -- games, missing results and closing odds per competition season; no parameters
const GAME_COUNTS = `SELECT g.season_id, sp.code AS sport, c.code AS competition, se.label AS season, se.start_year,
       count(*)::int AS games,
       count(*) FILTER (WHERE r.game_id IS NULL AND g.kickoff < now() AND g.status NOT IN ('postponed', 'cancelled'))::int AS missing_results,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM odds o WHERE o.game_id = g.id AND o.kickoff = g.kickoff AND o.kind = 'closing'))::int AS missing_closing
  FROM games g JOIN seasons se ON se.id = g.season_id JOIN competitions c ON c.id = g.competition_id JOIN sports sp ON sp.id = g.sport_id
  LEFT JOIN results r ON r.game_id = g.id
 GROUP BY g.season_id, sp.code, c.code, se.label, se.start_year`;

// -- overround quantiles and suspicious closing books per season; $1 text[] bookmaker codes left out (derived aggregates)
const OVERROUND = `WITH books AS (
  SELECT g.season_id, o.game_id, o.bookmaker_id, o.market, sum(1 / o.price) AS book, count(*) AS n, max(o.price) AS top
    FROM odds o JOIN games g ON g.id = o.game_id JOIN bookmakers b ON b.id = o.bookmaker_id
   WHERE o.kind = 'closing' AND o.market IN ('1x2', 'moneyline') AND b.code <> ALL($1::text[])
   GROUP BY g.season_id, o.game_id, o.bookmaker_id, o.market
  HAVING count(*) = CASE WHEN o.market = '1x2' THEN 3 ELSE 2 END
)
SELECT season_id, count(*)::int AS books, min(book) AS min, percentile_cont(0.05) WITHIN GROUP (ORDER BY book) AS p05,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY book) AS median, percentile_cont(0.95) WITHIN GROUP (ORDER BY book) AS p95, max(book) AS max,
       count(*) FILTER (WHERE book < 1.0 OR book > 1.25 OR top > 200)::int AS suspicious
  FROM books GROUP BY season_id`;

// -- same teams meeting twice within two days in one competition; no parameters
const DUPLICATES = `SELECT a.season_id, count(*)::int AS n FROM games a JOIN games b
    ON b.competition_id = a.competition_id AND b.id > a.id
   AND ((b.home_team_id = a.home_team_id AND b.away_team_id = a.away_team_id) OR (b.home_team_id = a.away_team_id AND b.away_team_id = a.home_team_id))
   AND abs(b.game_date - a.game_date) <= 2 AND b.game_number = a.game_number
 GROUP BY a.season_id`;

const round = (v: number) => Math.round(v * 10_000) / 10_000;

export async function dataQualityReport(db: Db, options: { sport?: string; competition?: string } = {}): Promise<QualityReport> {
  const counts = await db.query<{ season_id: number; sport: string; competition: string; season: string; start_year: number; games: number; missing_results: number; missing_closing: number }>(GAME_COUNTS);
  const over = await db.query<{ season_id: number; books: number; min: number; p05: number; median: number; p95: number; max: number; suspicious: number }>(OVERROUND, [DERIVED_AGGREGATES]);
  const dups = await db.query<{ season_id: number; n: number }>(DUPLICATES);
  const overBy = new Map(over.rows.map((r) => [Number(r.season_id), r]));
  const dupBy = new Map(dups.rows.map((r) => [Number(r.season_id), Number(r.n)]));
  const seasons = counts.rows
    .filter((r) => (!options.sport || r.sport === options.sport) && (!options.competition || r.competition === options.competition))
    .sort((a, b) => a.sport.localeCompare(b.sport) || a.competition.localeCompare(b.competition) || a.start_year - b.start_year || a.season.localeCompare(b.season))
    .map((r): SeasonQuality => {
      const o = overBy.get(Number(r.season_id));
      return {
        sport: r.sport,
        competition: r.competition,
        season: r.season,
        games: r.games,
        missingResults: r.missing_results,
        missingClosingOdds: r.missing_closing,
        books: o ? o.books : 0,
        overround: o ? { min: round(o.min), p05: round(o.p05), median: round(o.median), p95: round(o.p95), max: round(o.max) } : null,
        suspiciousBooks: o ? o.suspicious : 0,
        duplicateCandidates: dupBy.get(Number(r.season_id)) ?? 0,
      };
    });
  const sum = (k: 'games' | 'missingResults' | 'missingClosingOdds' | 'suspiciousBooks' | 'duplicateCandidates') => seasons.reduce((s, x) => s + x[k], 0);
  return {
    generatedAt: new Date().toISOString(),
    seasons,
    totals: { games: sum('games'), missingResults: sum('missingResults'), missingClosingOdds: sum('missingClosingOdds'), suspiciousBooks: sum('suspiciousBooks'), duplicateCandidates: sum('duplicateCandidates') },
  };
}
