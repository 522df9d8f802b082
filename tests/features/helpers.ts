/**
 * Helpers for the feature-store suites: a private Postgres schema per test file (migrated,
 * dropped at the end), fixture rows inserted with SQL, and the shared data folder.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, data, postgresReachable, SHARED_DATA_DIR, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import type { Db } from '../../core/db.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DATA_DIR = SHARED_DATA_DIR.replace(/\/$/, '');
export const HAS_DATA = existsSync(join(DATA_DIR, 'football_data_co_uk'));
export const DATABASE_URL = TEST_DATABASE_URL;
export { data, postgresReachable };

export type { TestDb } from '../support/services.ts';

/** A fresh migrated schema `<prefix>_<random>` on the test Postgres (see tests/support). */
export function createTestDb(prefix: string): Promise<TestDb> {
  return createTestPgDb(prefix);
}

/** Minimal catalogue for fixture games: one competition and season per sport used, teams by key. */
export class Fixture {
  private teamIds = new Map<string, number>();
  private comps = new Map<string, { competitionId: number; seasons: Map<number, number> }>();
  constructor(readonly db: Db) {}

  private async sportId(sport: string): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>('SELECT id FROM sports WHERE code = $1', [sport]);
    return rows[0]!.id;
  }

  async team(sport: string, key: string): Promise<number> {
    const k = `${sport}|${key}`;
    const known = this.teamIds.get(k);
    if (known) return known;
    const { rows } = await this.db.query<{ id: number }>('INSERT INTO teams (sport_id, key, name) VALUES ($1, $2, $2) RETURNING id', [await this.sportId(sport), key]);
    this.teamIds.set(k, rows[0]!.id);
    return rows[0]!.id;
  }

  async season(sport: string, competition: string, startYear: number): Promise<{ competitionId: number; seasonId: number }> {
    let c = this.comps.get(competition);
    if (!c) {
      const { rows } = await this.db.query<{ id: number }>('INSERT INTO competitions (sport_id, code, name) VALUES ($1, $2, $2) RETURNING id', [await this.sportId(sport), competition]);
      c = { competitionId: rows[0]!.id, seasons: new Map() };
      this.comps.set(competition, c);
    }
    let s = c.seasons.get(startYear);
    if (!s) {
      const { rows } = await this.db.query<{ id: number }>('INSERT INTO seasons (competition_id, label, start_year) VALUES ($1, $2, $3) RETURNING id', [c.competitionId, String(startYear), startYear]);
      s = rows[0]!.id;
      c.seasons.set(startYear, s);
    }
    return { competitionId: c.competitionId, seasonId: s };
  }

  async bookmaker(code: string): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO bookmakers (code, name) VALUES ($1, $1) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id',
      [code],
    );
    return rows[0]!.id;
  }

  /** Inserts a game (and its result when scores are given); returns its id. */
  async game(g: {
    sport?: string;
    competition?: string;
    season?: number;
    kickoff: string;
    home: string;
    away: string;
    score?: [number, number];
    status?: string;
    neutral?: boolean;
    stats?: unknown;
  }): Promise<number> {
    const sport = g.sport ?? 'soccer';
    const { competitionId, seasonId } = await this.season(sport, g.competition ?? 'T1', g.season ?? 2020);
    const home = await this.team(sport, g.home);
    const away = await this.team(sport, g.away);
    const status = g.status ?? (g.score ? 'final' : 'scheduled');
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO games (sport_id, competition_id, season_id, game_date, kickoff, home_team_id, away_team_id, neutral_site, status, source)
       VALUES ((SELECT id FROM sports WHERE code = $1), $2, $3, ($4::timestamptz AT TIME ZONE 'UTC')::date, $4::timestamptz, $5, $6, $7, $8, 'fixture') RETURNING id`,
      [sport, competitionId, seasonId, g.kickoff, home, away, g.neutral ?? false, status],
    );
    const id = rows[0]!.id;
    if (g.score) {
      const [h, a] = g.score;
      await this.db.query('INSERT INTO results (game_id, home_score, away_score, outcome, stats) VALUES ($1, $2, $3, $4, $5::jsonb)', [
        id, h, a, h > a ? 'home' : h < a ? 'away' : 'draw', JSON.stringify(g.stats ?? {}),
      ]);
    }
    return id;
  }

  /** Inserts one complete price set. */
  async odds(gameId: number, bookmaker: string, kind: string, prices: { home: number; draw?: number; away: number }, capturedAt?: string, market = '1x2'): Promise<void> {
    const b = await this.bookmaker(bookmaker);
    for (const [selection, price] of Object.entries(prices)) {
      await this.db.query(
        `INSERT INTO odds (game_id, kickoff, bookmaker_id, market, selection, kind, captured_at, price)
         SELECT id, kickoff, $2, $3, $4, $5, coalesce($6::timestamptz, '-infinity'), $7 FROM games WHERE id = $1`,
        [gameId, b, market, selection, kind, capturedAt ?? null, price],
      );
    }
  }
}
