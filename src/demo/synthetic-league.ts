import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, createRandomStream } from '../../core/index.ts';

/**
 * A simulated soccer league written as football-data.co.uk CSV files, so the demo (and tests)
 * exercise the real importer on a machine with no data and no network. Everything it makes is
 * labelled synthetic: the division code is `SYN`, team names are invented, and the files say so.
 *
 * The simulation: each team has attack and defence strengths that drift (a mean-reverting random
 * walk), goals are Poisson with a home advantage, bookmakers quote the true probabilities seen
 * through noise (more noise before the close than at it) with a margin, and a few rows are messy
 * the way real files are (an odds typo, a missing team, blank trailing rows).
 */
export interface SyntheticLeagueOptions {
  /** Seasons to simulate (August to May), the last one being the season in progress at `asOf`. */
  seasons?: number;
  teams?: number;
  seed?: number;
  /** "Today": games before it are played, later ones are scheduled fixtures to predict. */
  asOf?: Date;
  /**
   * Division code written in every row (default `SYN`). Another code makes another league: its
   * team names carry the code (`Northbridge S02`) so leagues never share a team, and its files are
   * named after it, so several leagues can be written into one folder (the scaling bench does).
   */
  division?: string;
}

export const SYNTHETIC_DIVISION = 'SYN';

const TEAM_NAMES = [
  'Northbridge', 'Eastmoor', 'Redcliffe', 'Kingsport', 'Ashford Vale', 'Greywater', 'Millbrook', 'Stonehaven',
  'Westfield Rovers', 'Harbour City', 'Oakridge', 'Fenwick Town', 'Highgate Albion', 'Brackenford', 'Coldstream',
  'Larkspur', 'Marlow Athletic', 'Pembury', 'Ravensworth', 'Thornbury', 'Wyecombe', 'Yarrow United',
];

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function poisson(random: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

function poissonPmf(lambda: number, max: number): number[] {
  const out: number[] = [Math.exp(-lambda)];
  for (let k = 1; k <= max; k++) out.push((out[k - 1]! * lambda) / k);
  return out;
}

/** Home/draw/away probabilities of two independent Poisson scores. */
export function outcomeProbabilities(lambdaHome: number, lambdaAway: number): [number, number, number] {
  const h = poissonPmf(lambdaHome, 12);
  const a = poissonPmf(lambdaAway, 12);
  let home = 0;
  let draw = 0;
  let away = 0;
  for (let i = 0; i <= 12; i++) for (let j = 0; j <= 12; j++) {
    const p = h[i]! * a[j]!;
    if (i > j) home += p;
    else if (i === j) draw += p;
    else away += p;
  }
  const s = home + draw + away;
  return [home / s, draw / s, away / s];
}

/** Quotes `truth` through multiplicative log-noise, renormalised, with a margin; two decimals. */
function quote(random: () => number, truth: readonly number[], noise: number, margin: number): number[] {
  const seen = truth.map((p) => p * Math.exp(noise * gaussian(random)));
  const s = seen.reduce((a, b) => a + b, 0);
  return seen.map((p) => Math.max(1.01, Math.round((1 / ((p / s) * (1 + margin))) * 100) / 100));
}

/** Double round robin by the circle method: matchday -> [home index, away index][]. */
function fixtures(n: number): Array<Array<[number, number]>> {
  const ids = Array.from({ length: n }, (_, i) => i);
  const rounds: Array<Array<[number, number]>> = [];
  for (let r = 0; r < n - 1; r++) {
    const round: Array<[number, number]> = [];
    for (let i = 0; i < n / 2; i++) {
      const a = ids[i]!;
      const b = ids[n - 1 - i]!;
      round.push(r % 2 === 0 ? [a, b] : [b, a]);
    }
    rounds.push(round);
    ids.splice(1, 0, ids.pop()!);
  }
  return [...rounds, ...rounds.map((round) => round.map(([h, a]) => [a, h] as [number, number]))];
}

function ddmmyyyy(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
}

const HEADER = ['Div', 'Date', 'Time', 'HomeTeam', 'AwayTeam', 'FTHG', 'FTAG', 'FTR', 'HTHG', 'HTAG', 'HTR', 'HS', 'AS', 'HST', 'AST',
  'B365H', 'B365D', 'B365A', 'PSH', 'PSD', 'PSA', 'MaxH', 'MaxD', 'MaxA', 'AvgH', 'AvgD', 'AvgA', 'PSCH', 'PSCD', 'PSCA', 'AvgCH', 'AvgCD', 'AvgCA'];

export interface SyntheticLeagueFiles {
  files: string[];
  games: number;
  unplayed: number;
  teams: string[];
}

/** Writes one CSV per season into `dir` (deterministic for a given seed). */
export function writeSyntheticLeague(dir: string, options: SyntheticLeagueOptions = {}): SyntheticLeagueFiles {
  const seasons = options.seasons ?? 8;
  const asOf = options.asOf ?? new Date();
  // The season in progress at asOf started in August of this year, or of the last one before August.
  const currentSeason = asOf.getUTCMonth() >= 7 ? asOf.getUTCFullYear() : asOf.getUTCFullYear() - 1;
  const firstSeason = currentSeason - seasons + 1;
  const nTeams = Math.min(options.teams ?? 20, TEAM_NAMES.length) & ~1;
  // Seeded: the demo must give the same league every run.
  const random = createRandomStream(options.seed ?? 20240601);
  const division = options.division ?? SYNTHETIC_DIVISION;
  if (!/^[A-Z0-9]{1,8}$/.test(division)) throw new AppError('VALIDATION_FAILED', `synthetic division code must be 1-8 upper-case letters or digits, got ${JSON.stringify(division)}`, { details: { division } });
  const teams = TEAM_NAMES.slice(0, nTeams).map((name) => (division === SYNTHETIC_DIVISION ? name : `${name} ${division}`));
  const attack = teams.map(() => 0.25 * gaussian(random));
  const defence = teams.map(() => 0.25 * gaussian(random));
  const homeAdvantage = 0.27;
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let games = 0;
  let unplayed = 0;

  for (let s = 0; s < seasons; s++) {
    const year = firstSeason + s;
    const lines = [HEADER.join(',')];
    const schedule = fixtures(nTeams);
    // First Saturday of August, then weekly.
    const start = new Date(Date.UTC(year, 7, 1));
    while (start.getUTCDay() !== 6) start.setUTCDate(start.getUTCDate() + 1);
    schedule.forEach((round, md) => {
      // Strengths drift between matchdays and revert slowly toward the league mean.
      for (let t = 0; t < nTeams; t++) {
        attack[t] = 0.995 * attack[t]! + 0.02 * gaussian(random);
        defence[t] = 0.995 * defence[t]! + 0.02 * gaussian(random);
      }
      round.forEach(([h, a], i) => {
        const day = new Date(start.getTime() + (md * 7 + (i % 3 === 2 ? 1 : 0)) * 86_400_000);
        const played = day.getTime() + 86_400_000 <= asOf.getTime();
        const time = i % 3 === 2 ? '16:30' : i % 3 === 1 ? '17:30' : '15:00';
        const lh = Math.exp(0.12 + homeAdvantage + attack[h]! - defence[a]!);
        const la = Math.exp(0.12 + attack[a]! - defence[h]!);
        const truth = outcomeProbabilities(lh, la);
        const pre = quote(random, truth, 0.06, 0.025);
        const avg = quote(random, truth, 0.07, 0.055);
        const b365 = quote(random, truth, 0.07, 0.05);
        const max = avg.map((p) => Math.round(p * 1.04 * 100) / 100);
        const close = quote(random, truth, 0.02, 0.025);
        const avgClose = close.map((p) => Math.max(1.01, Math.round(p * 0.97 * 100) / 100));
        let row: Array<string | number>;
        if (played) {
          const hg = poisson(random, lh);
          const ag = poisson(random, la);
          const hht = Math.min(hg, poisson(random, lh * 0.45));
          const aht = Math.min(ag, poisson(random, la * 0.45));
          const hs = hg + poisson(random, lh * 7);
          const as = ag + poisson(random, la * 7);
          const hst = Math.min(hs, hg + poisson(random, lh * 2));
          const ast = Math.min(as, ag + poisson(random, la * 2));
          const res = (x: number, y: number) => (x > y ? 'H' : x < y ? 'A' : 'D');
          row = [division, ddmmyyyy(day), time, teams[h]!, teams[a]!, hg, ag, res(hg, ag), hht, aht, res(hht, aht), hs, as, hst, ast, ...b365, ...pre, ...max, ...avg, ...close, ...avgClose];
          games++;
        } else {
          // Bookmakers price the next week's fixtures only.
          const priced = day.getTime() - asOf.getTime() < 8 * 86_400_000;
          const preOdds = priced ? [...b365, ...pre, ...max, ...avg] : Array<string>(12).fill('');
          row = [division, ddmmyyyy(day), time, teams[h]!, teams[a]!, '', '', '', '', '', '', '', '', '', '', ...preOdds, '', '', '', '', '', ''];
          unplayed++;
        }
        lines.push(row.join(','));
      });
    });
    // The mess real files have: an odds typo, a row without its away team, blank trailing rows.
    const typo = lines[5]!.split(',');
    typo[HEADER.indexOf('PSH')] = '0.95';
    lines[5] = typo.join(',');
    const noTeam = lines[9]!.split(',');
    noTeam[HEADER.indexOf('AwayTeam')] = '';
    lines[9] = noTeam.join(',');
    lines.push(',,,,,,,', ',,,,,,,');
    const file = join(dir, `${division}_${year}${String((year + 1) % 100).padStart(2, '0')}_synthetic.csv`);
    writeFileSync(file, lines.join('\r\n') + '\r\n');
    files.push(file);
  }
  return { files, games, unplayed, teams };
}
