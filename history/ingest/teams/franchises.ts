/**
 * Franchise tables for the one-league sports: one canonical team per franchise, how each
 * source spells it (source '*' = any source) and its name history (relocations, renames).
 * Dates bound each name; aliases are unambiguous within a source, so they need no dates.
 */
import type { SportCode } from '../types.ts';

export interface TeamName {
  name: string;
  code: string | null;
  from: string;
  to: string | null;
}

export interface Franchise {
  key: string;
  name: string;
  aliases: Record<string, string[]>;
  names: TeamName[];
}

type Row = [key: string, name: string, aliases: Record<string, string[]>, history?: Array<[name: string, code: string, from: string, to: string | null]>];

function build(prefix: string, rows: Row[], foundedFrom = '1900-01-01'): Franchise[] {
  return rows.map(([key, name, aliases, history]) => ({
    key: `${prefix}-${key}`,
    name,
    aliases,
    names: history
      ? history.map(([n, code, from, to]) => ({ name: n, code, from, to }))
      : [{ name, code: (aliases['*'] ?? Object.values(aliases)[0] ?? [null])[0] ?? null, from: foundedFrom, to: null }],
  }));
}

// nflverse codes are the '*' default; FiveThirtyEight spells Washington WSH and the Rams LAR
// in every season (nflverse: STL until 2015, LA from 2016).
export const NFL_FRANCHISES: Franchise[] = build('nfl', [
  ['ari', 'Arizona Cardinals', { '*': ['ARI'] }],
  ['atl', 'Atlanta Falcons', { '*': ['ATL'] }],
  ['bal', 'Baltimore Ravens', { '*': ['BAL'] }],
  ['buf', 'Buffalo Bills', { '*': ['BUF'] }],
  ['car', 'Carolina Panthers', { '*': ['CAR'] }],
  ['chi', 'Chicago Bears', { '*': ['CHI'] }],
  ['cin', 'Cincinnati Bengals', { '*': ['CIN'] }],
  ['cle', 'Cleveland Browns', { '*': ['CLE'] }],
  ['dal', 'Dallas Cowboys', { '*': ['DAL'] }],
  ['den', 'Denver Broncos', { '*': ['DEN'] }],
  ['det', 'Detroit Lions', { '*': ['DET'] }],
  ['gb', 'Green Bay Packers', { '*': ['GB'] }],
  ['hou', 'Houston Texans', { '*': ['HOU'] }],
  ['ind', 'Indianapolis Colts', { '*': ['IND'] }],
  ['jax', 'Jacksonville Jaguars', { '*': ['JAX'] }],
  ['kc', 'Kansas City Chiefs', { '*': ['KC'] }],
  ['lar', 'Los Angeles Rams', { '*': ['LA', 'LAR', 'STL'] }, [['St. Louis Rams', 'STL', '1995-04-01', '2016-03-01'], ['Los Angeles Rams', 'LA', '2016-03-01', null]]],
  ['lac', 'Los Angeles Chargers', { '*': ['LAC', 'SD'] }, [['San Diego Chargers', 'SD', '1961-01-01', '2017-01-12'], ['Los Angeles Chargers', 'LAC', '2017-01-12', null]]],
  ['lv', 'Las Vegas Raiders', { '*': ['LV', 'OAK'] }, [['Oakland Raiders', 'OAK', '1995-06-23', '2020-01-22'], ['Las Vegas Raiders', 'LV', '2020-01-22', null]]],
  ['mia', 'Miami Dolphins', { '*': ['MIA'] }],
  ['min', 'Minnesota Vikings', { '*': ['MIN'] }],
  ['ne', 'New England Patriots', { '*': ['NE'] }],
  ['no', 'New Orleans Saints', { '*': ['NO'] }],
  ['nyg', 'New York Giants', { '*': ['NYG'] }],
  ['nyj', 'New York Jets', { '*': ['NYJ'] }],
  ['phi', 'Philadelphia Eagles', { '*': ['PHI'] }],
  ['pit', 'Pittsburgh Steelers', { '*': ['PIT'] }],
  ['sea', 'Seattle Seahawks', { '*': ['SEA'] }],
  ['sf', 'San Francisco 49ers', { '*': ['SF'] }],
  ['tb', 'Tampa Bay Buccaneers', { '*': ['TB'] }],
  ['ten', 'Tennessee Titans', { '*': ['TEN'] }],
  ['was', 'Washington Commanders', { '*': ['WAS', 'WSH'] }, [['Washington Redskins', 'WAS', '1937-01-01', '2020-07-13'], ['Washington Football Team', 'WAS', '2020-07-13', '2022-02-02'], ['Washington Commanders', 'WAS', '2022-02-02', null]]],
]);

// Kaggle spells teams in lower case ('gs', 'sa', 'utah'); FiveThirtyEight uses Basketball
// Reference codes (BRK, CHO, PHO, NOK for the Hornets' Oklahoma City seasons); SBR full names.
export const NBA_FRANCHISES: Franchise[] = build('nba', [
  ['atl', 'Atlanta Hawks', { '*': ['ATL'], 'nba-kaggle': ['atl'], sbr: ['Atlanta Hawks'] }],
  ['bos', 'Boston Celtics', { '*': ['BOS'], 'nba-kaggle': ['bos'], sbr: ['Boston Celtics'] }],
  ['bkn', 'Brooklyn Nets', { '*': ['BKN', 'BRK', 'NJN'], 'nba-kaggle': ['bkn', 'nj'], sbr: ['Brooklyn Nets', 'New Jersey Nets'] }, [['New Jersey Nets', 'NJN', '1977-01-01', '2012-04-30'], ['Brooklyn Nets', 'BKN', '2012-04-30', null]]],
  ['cha', 'Charlotte Hornets', { '*': ['CHA', 'CHO'], 'nba-kaggle': ['cha'], sbr: ['Charlotte Hornets', 'Charlotte Bobcats'] }, [['Charlotte Bobcats', 'CHA', '2004-01-01', '2014-05-20'], ['Charlotte Hornets', 'CHA', '2014-05-20', null]]],
  ['chi', 'Chicago Bulls', { '*': ['CHI'], 'nba-kaggle': ['chi'], sbr: ['Chicago Bulls'] }],
  ['cle', 'Cleveland Cavaliers', { '*': ['CLE'], 'nba-kaggle': ['cle'], sbr: ['Cleveland Cavaliers'] }],
  ['dal', 'Dallas Mavericks', { '*': ['DAL'], 'nba-kaggle': ['dal'], sbr: ['Dallas Mavericks'] }],
  ['den', 'Denver Nuggets', { '*': ['DEN'], 'nba-kaggle': ['den'], sbr: ['Denver Nuggets'] }],
  ['det', 'Detroit Pistons', { '*': ['DET'], 'nba-kaggle': ['det'], sbr: ['Detroit Pistons'] }],
  ['gsw', 'Golden State Warriors', { '*': ['GSW'], 'nba-kaggle': ['gs'], sbr: ['Golden State Warriors'] }],
  ['hou', 'Houston Rockets', { '*': ['HOU'], 'nba-kaggle': ['hou'], sbr: ['Houston Rockets'] }],
  ['ind', 'Indiana Pacers', { '*': ['IND'], 'nba-kaggle': ['ind'], sbr: ['Indiana Pacers'] }],
  ['lac', 'Los Angeles Clippers', { '*': ['LAC'], 'nba-kaggle': ['lac'], sbr: ['Los Angeles Clippers', 'LA Clippers'] }],
  ['lal', 'Los Angeles Lakers', { '*': ['LAL'], 'nba-kaggle': ['lal'], sbr: ['Los Angeles Lakers'] }],
  ['mem', 'Memphis Grizzlies', { '*': ['MEM'], 'nba-kaggle': ['mem'], sbr: ['Memphis Grizzlies'] }],
  ['mia', 'Miami Heat', { '*': ['MIA'], 'nba-kaggle': ['mia'], sbr: ['Miami Heat'] }],
  ['mil', 'Milwaukee Bucks', { '*': ['MIL'], 'nba-kaggle': ['mil'], sbr: ['Milwaukee Bucks'] }],
  ['min', 'Minnesota Timberwolves', { '*': ['MIN'], 'nba-kaggle': ['min'], sbr: ['Minnesota Timberwolves'] }],
  ['nop', 'New Orleans Pelicans', { '*': ['NOP', 'NOH', 'NOK'], 'nba-kaggle': ['no'], sbr: ['New Orleans Pelicans', 'New Orleans Hornets'] }, [['New Orleans/Oklahoma City Hornets', 'NOK', '2005-09-01', '2007-07-01'], ['New Orleans Hornets', 'NOH', '2007-07-01', '2013-04-18'], ['New Orleans Pelicans', 'NOP', '2013-04-18', null]]],
  ['nyk', 'New York Knicks', { '*': ['NYK'], 'nba-kaggle': ['ny'], sbr: ['New York Knicks'] }],
  ['okc', 'Oklahoma City Thunder', { '*': ['OKC', 'SEA'], 'nba-kaggle': ['okc', 'sea'], sbr: ['Oklahoma City Thunder', 'Seattle SuperSonics'] }, [['Seattle SuperSonics', 'SEA', '1967-01-01', '2008-07-02'], ['Oklahoma City Thunder', 'OKC', '2008-07-02', null]]],
  ['orl', 'Orlando Magic', { '*': ['ORL'], 'nba-kaggle': ['orl'], sbr: ['Orlando Magic'] }],
  ['phi', 'Philadelphia 76ers', { '*': ['PHI'], 'nba-kaggle': ['phi'], sbr: ['Philadelphia 76ers'] }],
  ['phx', 'Phoenix Suns', { '*': ['PHX', 'PHO'], 'nba-kaggle': ['phx'], sbr: ['Phoenix Suns'] }],
  ['por', 'Portland Trail Blazers', { '*': ['POR'], 'nba-kaggle': ['por'], sbr: ['Portland Trail Blazers'] }],
  ['sac', 'Sacramento Kings', { '*': ['SAC'], 'nba-kaggle': ['sac'], sbr: ['Sacramento Kings'] }],
  ['sas', 'San Antonio Spurs', { '*': ['SAS'], 'nba-kaggle': ['sa'], sbr: ['San Antonio Spurs'] }],
  ['tor', 'Toronto Raptors', { '*': ['TOR'], 'nba-kaggle': ['tor'], sbr: ['Toronto Raptors'] }],
  ['uta', 'Utah Jazz', { '*': ['UTA'], 'nba-kaggle': ['utah'], sbr: ['Utah Jazz'] }],
  ['was', 'Washington Wizards', { '*': ['WAS'], 'nba-kaggle': ['wsh'], sbr: ['Washington Wizards'] }],
]);

// SBR's odd codes (CUB, SDG, SFO, KAN, TAM, the Dodgers as LOS and LAD, one 'HOW' row) and
// FiveThirtyEight's (CHC, CHW, KCR, SDP, SFG, TBD, WSN, ANA for the Angels, FLA for the Marlins).
export const MLB_FRANCHISES: Franchise[] = build('mlb', [
  ['ari', 'Arizona Diamondbacks', { '*': ['ARI'] }],
  ['atl', 'Atlanta Braves', { '*': ['ATL'] }],
  ['bal', 'Baltimore Orioles', { '*': ['BAL'] }],
  ['bos', 'Boston Red Sox', { '*': ['BOS'] }],
  ['chc', 'Chicago Cubs', { '*': ['CHC'], 'sbr-mlb': ['CUB'] }],
  ['cws', 'Chicago White Sox', { '*': ['CWS', 'CHW'] }],
  ['cin', 'Cincinnati Reds', { '*': ['CIN'] }],
  ['cle', 'Cleveland Guardians', { '*': ['CLE'] }, [['Cleveland Indians', 'CLE', '1915-01-01', '2021-11-19'], ['Cleveland Guardians', 'CLE', '2021-11-19', null]]],
  ['col', 'Colorado Rockies', { '*': ['COL'] }],
  ['det', 'Detroit Tigers', { '*': ['DET'] }],
  ['hou', 'Houston Astros', { '*': ['HOU'], 'sbr-mlb': ['HOW'] }],
  ['kc', 'Kansas City Royals', { '*': ['KC', 'KCR'], 'sbr-mlb': ['KAN'] }],
  ['laa', 'Los Angeles Angels', { '*': ['LAA', 'ANA'] }],
  ['lad', 'Los Angeles Dodgers', { '*': ['LAD'], 'sbr-mlb': ['LOS'] }],
  ['mia', 'Miami Marlins', { '*': ['MIA', 'FLA'] }, [['Florida Marlins', 'FLA', '1993-01-01', '2011-11-11'], ['Miami Marlins', 'MIA', '2011-11-11', null]]],
  ['mil', 'Milwaukee Brewers', { '*': ['MIL'] }],
  ['min', 'Minnesota Twins', { '*': ['MIN'] }],
  ['nym', 'New York Mets', { '*': ['NYM'] }],
  ['nyy', 'New York Yankees', { '*': ['NYY'] }],
  ['oak', 'Oakland Athletics', { '*': ['OAK'] }],
  ['phi', 'Philadelphia Phillies', { '*': ['PHI'] }],
  ['pit', 'Pittsburgh Pirates', { '*': ['PIT'] }],
  ['sd', 'San Diego Padres', { '*': ['SD', 'SDP'], 'sbr-mlb': ['SDG'] }],
  ['sea', 'Seattle Mariners', { '*': ['SEA'] }],
  ['sf', 'San Francisco Giants', { '*': ['SF', 'SFG'], 'sbr-mlb': ['SFO'] }],
  ['stl', 'St. Louis Cardinals', { '*': ['STL'] }],
  ['tb', 'Tampa Bay Rays', { '*': ['TB', 'TBD', 'TBR'], 'sbr-mlb': ['TAM'] }],
  ['tex', 'Texas Rangers', { '*': ['TEX'] }],
  ['tor', 'Toronto Blue Jays', { '*': ['TOR'] }],
  ['wsh', 'Washington Nationals', { '*': ['WSH', 'WSN'], 'sbr-mlb': ['WAS'] }],
]);

export const FRANCHISES: Partial<Record<SportCode, Franchise[]>> = {
  nfl: NFL_FRANCHISES,
  nba: NBA_FRANCHISES,
  mlb: MLB_FRANCHISES,
};
