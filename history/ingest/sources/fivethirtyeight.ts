/**
 * FiveThirtyEight forecast files as reference forecasts: NFL Elo (`nfl_games.csv` and the
 * QB-adjusted snapshots), NBA Elo, MLB Elo with the pitcher-adjusted rating, club soccer SPI.
 * Only completed rows are read: unplayed rows hold forecasts made on the snapshot day.
 */
import { AppError } from '../../../core/index.ts';
import type { CsvFile } from '../csv.ts';
import { parseAnyDate } from '../time.ts';
import type { ForecastRecord, ParsedForecasts, RejectReason, SportCode } from '../types.ts';
import { parseNumber, parseProbability } from '../validate.ts';
import soccerAliases from '../teams/soccer-fivethirtyeight.json' with { type: 'json' };

export const FIVETHIRTYEIGHT_SOURCE = 'fivethirtyeight';

/** SPI league names -> football-data division codes (the big five). */
export const SPI_LEAGUES: Readonly<Record<string, string>> = soccerAliases.leagues;
/** SPI team names -> football-data names where they differ. */
export const SPI_TEAM_NAMES: Readonly<Record<string, string>> = soccerAliases.teams;

type FileKind = 'nfl-games' | 'elo' | 'nfl-qbelo' | 'mlb' | 'spi';

function detect(header: string[], file: string, sport?: SportCode): { kind: FileKind; sport: SportCode } {
  const has = (c: string) => header.includes(c);
  if (has('prob1') && has('probtie') && has('league')) return { kind: 'spi', sport: 'soccer' };
  if (has('qbelo_prob1')) return { kind: 'nfl-qbelo', sport: 'nfl' };
  if (has('rating_prob1')) return { kind: 'mlb', sport: 'mlb' };
  if (has('elo_prob1') && has('team1') && has('team2') && has('date')) {
    if (has('result1') && has('elo1')) return { kind: 'nfl-games', sport: sport ?? 'nfl' };
    const name = file.toLowerCase();
    const guess = sport ?? (name.includes('nba') ? 'nba' : name.includes('nfl') ? 'nfl' : name.includes('mlb') ? 'mlb' : undefined);
    if (guess) return { kind: 'elo', sport: guess };
    throw new AppError('IMPORT_FILE_INVALID', `${file}: a FiveThirtyEight Elo file for an unknown sport; name the sport (--sport nfl|nba|mlb)`, { details: { file } });
  }
  throw new AppError('IMPORT_FILE_INVALID', `${file}: not a FiveThirtyEight forecast file (expected team1, team2, date and elo_prob1 or prob1/probtie/prob2 columns)`, { details: { file } });
}

/** Parses one forecast file; completed rows only. */
export function parseFiveThirtyEight(csv: CsvFile, file: string, sport?: SportCode): ParsedForecasts {
  const { kind, sport: fileSport } = detect(csv.header, file, sport);
  const col = Object.fromEntries(csv.header.map((name, i) => [name, i])) as Record<string, number>;
  const get = (f: string[], name: string): string => {
    const i = col[name];
    return i === undefined ? '' : (f[i] ?? '').trim();
  };
  const forecasts: ForecastRecord[] = [];
  const rejects: ParsedForecasts['rejects'] = [];
  let skipped = 0;
  for (const rec of csv.records) {
    const f = rec.fields;
    if (get(f, 'score1') === '' || get(f, 'score2') === '') {
      skipped++;
      continue;
    }
    let competition: string | undefined;
    if (kind === 'spi') {
      competition = SPI_LEAGUES[get(f, 'league')];
      if (!competition) {
        skipped++;
        continue;
      }
    }
    const reasons = new Set<RejectReason>();
    if (f.length < csv.header.length) reasons.add('ROW_TRUNCATED');
    const date = parseAnyDate(get(f, 'date'));
    if (!date) reasons.add('DATE_INVALID');
    const team1 = get(f, 'team1');
    const team2 = get(f, 'team2');
    if (!team1 || !team2) reasons.add('TEAM_MISSING');
    else if (team1 === team2) reasons.add('SAME_TEAM');
    const base = { file, line: rec.line, raw: rec.raw, sport: fileSport, competition, date: date ?? '', team1, team2 };
    const made: ForecastRecord[] = [];
    const neutral = get(f, 'neutral') === '1';
    const pair = (predictor: string, p1Col: string, details: Record<string, unknown>) => {
      const p1 = parseProbability(get(f, p1Col));
      if (p1 === null) {
        reasons.add('PROBABILITY_INVALID');
        return;
      }
      made.push({ ...base, predictor, p1, pDraw: null, p2: 1 - p1, details: { neutral, ...details } });
    };
    const num = (c: string) => parseNumber(get(f, c));
    switch (kind) {
      case 'nfl-games':
        pair('fivethirtyeight-elo', 'elo_prob1', { elo1: num('elo1'), elo2: num('elo2') });
        break;
      case 'elo':
        pair('fivethirtyeight-elo', 'elo_prob1', { elo1: num('elo1_pre'), elo2: num('elo2_pre') });
        break;
      case 'nfl-qbelo':
        pair('fivethirtyeight-elo', 'elo_prob1', { elo1: num('elo1_pre'), elo2: num('elo2_pre') });
        pair('fivethirtyeight-qbelo', 'qbelo_prob1', { qbelo1: num('qbelo1_pre'), qbelo2: num('qbelo2_pre'), qb1: get(f, 'qb1') || null, qb2: get(f, 'qb2') || null });
        break;
      case 'mlb':
        pair('fivethirtyeight-elo', 'elo_prob1', { elo1: num('elo1_pre'), elo2: num('elo2_pre') });
        pair('fivethirtyeight-mlb-rating', 'rating_prob1', { rating1: num('rating1_pre'), rating2: num('rating2_pre'), pitcher1: get(f, 'pitcher1') || null, pitcher2: get(f, 'pitcher2') || null });
        break;
      case 'spi': {
        const p1 = parseProbability(get(f, 'prob1'));
        const pd = parseProbability(get(f, 'probtie'));
        const p2 = parseProbability(get(f, 'prob2'));
        if (p1 === null || pd === null || p2 === null || Math.abs(p1 + pd + p2 - 1) > 0.01) reasons.add('PROBABILITY_INVALID');
        else made.push({ ...base, predictor: 'fivethirtyeight-spi', p1, pDraw: pd, p2, details: { spi1: num('spi1'), spi2: num('spi2'), projScore1: num('proj_score1'), projScore2: num('proj_score2') } });
        break;
      }
    }
    if (reasons.size) {
      rejects.push({ file, line: rec.line, raw: rec.raw, reasons: [...reasons] });
      continue;
    }
    forecasts.push(...made);
  }
  return { forecasts, rejects, rowsRead: csv.records.length, skipped };
}
