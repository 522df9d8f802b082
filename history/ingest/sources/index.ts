/** The importable sources, by the name `sharpline import <source>` takes. */
import type { CsvFile } from '../csv.ts';
import type { ParseOptions, ParsedGames, SportCode } from '../types.ts';
import { FOOTBALL_DATA_DIVISIONS, FOOTBALL_DATA_SOURCE, FOOTBALL_DATA_TIME_ZONE, footballDataBookmakers, parseFootballData } from './football-data.ts';
import { NFLVERSE_SOURCE, NFLVERSE_TIME_ZONE, nflverseBookmakers, parseNflverse } from './nflverse.ts';
import { NBA_KAGGLE_SOURCE, NBA_KAGGLE_TIME_ZONE, nbaKaggleBookmakers, parseNbaKaggle } from './nba-kaggle.ts';
import { SBR_MLB_SOURCE, SBR_MLB_TIME_ZONE, parseSbrMlb, sbrMlbBookmakers } from './sbr-mlb.ts';

export interface GameSource {
  name: string;
  sport: SportCode;
  /** Which files in a folder belong to this source. */
  filePattern: RegExp;
  /** Soccer: the source's team names are canonical and teams are created on first sight. */
  createsTeams: boolean;
  parse(csv: CsvFile, file: string, options?: ParseOptions): ParsedGames;
  /** Bookmakers (code -> name) whose odds this source writes. */
  bookmakers(): Map<string, string>;
  /** Name, country and the IANA zone the source's local dates and times are in (stored on the competition). */
  competition(code: string): { name: string; country: string | null; timeZone: string };
}

export const GAME_SOURCES: Record<string, GameSource> = {
  [FOOTBALL_DATA_SOURCE]: {
    name: FOOTBALL_DATA_SOURCE,
    sport: 'soccer',
    filePattern: /\.csv$/i,
    createsTeams: true,
    parse: parseFootballData,
    bookmakers: footballDataBookmakers,
    competition: (code) => {
      const known = FOOTBALL_DATA_DIVISIONS[code];
      return known ? { name: known[0], country: known[1], timeZone: FOOTBALL_DATA_TIME_ZONE } : { name: code, country: null, timeZone: FOOTBALL_DATA_TIME_ZONE };
    },
  },
  [NFLVERSE_SOURCE]: {
    name: NFLVERSE_SOURCE,
    sport: 'nfl',
    filePattern: /^games\.csv$/i,
    createsTeams: false,
    parse: parseNflverse,
    bookmakers: nflverseBookmakers,
    competition: () => ({ name: 'National Football League', country: 'USA', timeZone: NFLVERSE_TIME_ZONE }),
  },
  [NBA_KAGGLE_SOURCE]: {
    name: NBA_KAGGLE_SOURCE,
    sport: 'nba',
    filePattern: /\.csv$/i,
    createsTeams: false,
    parse: parseNbaKaggle,
    bookmakers: nbaKaggleBookmakers,
    competition: () => ({ name: 'National Basketball Association', country: 'USA', timeZone: NBA_KAGGLE_TIME_ZONE }),
  },
  [SBR_MLB_SOURCE]: {
    name: SBR_MLB_SOURCE,
    sport: 'mlb',
    filePattern: /^mlb_odds_\d{4}\.csv$/i,
    createsTeams: false,
    parse: parseSbrMlb,
    bookmakers: sbrMlbBookmakers,
    competition: () => ({ name: 'Major League Baseball', country: 'USA', timeZone: SBR_MLB_TIME_ZONE }),
  },
};

export const FORECAST_SOURCES = ['fivethirtyeight'] as const;
export const SOURCE_NAMES: readonly string[] = [...Object.keys(GAME_SOURCES), ...FORECAST_SOURCES];
