import type { PlayedGame, PreGame } from '../types.ts';
import { fairProbabilities } from '../odds.ts';
import { parseSources, pastPriceSet } from './market-rating.ts';
import { AD_SEAT_PARAMS, adSeat } from './attack-defence.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';
import { commitTeam, viewTeam, type Slots } from './ratings-common.ts';

interface MgState {
  /** v = [attack, defence] on the log scale of market-implied expected goals. */
  teams: Slots;
  /** Per competition: [log base rate, log home advantage]. */
  comps: Record<string, [number, number]>;
}

const MAX_GOALS = 12;
const LAMBDA_MIN = 0.05;
const LAMBDA_MAX = 6;

/** Home win, draw and away win probabilities of two independent Poisson scores (goals capped at 12). */
export function poissonOutcome(lh: number, la: number): { home: number; draw: number; away: number } {
  const ph = new Array<number>(MAX_GOALS + 1);
  const pa = new Array<number>(MAX_GOALS + 1);
  ph[0] = Math.exp(-lh);
  pa[0] = Math.exp(-la);
  for (let i = 1; i <= MAX_GOALS; i++) {
    ph[i] = ph[i - 1]! * lh / i;
    pa[i] = pa[i - 1]! * la / i;
  }
  let home = 0;
  let draw = 0;
  let away = 0;
  for (let i = 0; i <= MAX_GOALS; i++) {
    for (let j = 0; j <= MAX_GOALS; j++) {
      const p = ph[i]! * pa[j]!;
      if (i > j) home += p;
      else if (i === j) draw += p;
      else away += p;
    }
  }
  const total = home + draw + away;
  return { home: home / total, draw: draw / total, away: away / total };
}

/**
 * The expected goals (λ_home, λ_away) of independent Poisson scores whose home-win and away-win
 * probabilities match `home` and `away` (so the draw matches too): damped Gauss–Newton on
 * (ln λ_home, ln λ_away) from 1.4 / 1.1, λ kept in [0.05, 6]. Where no pair matches exactly (a
 * draw more likely than any Poisson pair allows) it returns the least-squares pair it reached.
 */
export function impliedGoals(home: number, away: number): { home: number; away: number } {
  let x = Math.log(1.4);
  let y = Math.log(1.1);
  const lo = Math.log(LAMBDA_MIN);
  const hi = Math.log(LAMBDA_MAX);
  const resid = (a: number, b: number) => {
    const p = poissonOutcome(Math.exp(a), Math.exp(b));
    return [p.home - home, p.away - away] as const;
  };
  const h = 1e-5;
  for (let it = 0; it < 30; it++) {
    const [r1, r2] = resid(x, y);
    if (Math.abs(r1) + Math.abs(r2) < 1e-9) break;
    const [a1, a2] = resid(x + h, y);
    const [b1, b2] = resid(x, y + h);
    const j11 = (a1 - r1) / h;
    const j21 = (a2 - r2) / h;
    const j12 = (b1 - r1) / h;
    const j22 = (b2 - r2) / h;
    const det = j11 * j22 - j12 * j21;
    if (!Number.isFinite(det) || Math.abs(det) < 1e-12) break;
    let dx = -(j22 * r1 - j12 * r2) / det;
    let dy = -(-j21 * r1 + j11 * r2) / det;
    const step = Math.max(Math.abs(dx), Math.abs(dy));
    if (step > 0.5) {
      dx *= 0.5 / step;
      dy *= 0.5 / step;
    }
    x = clamp(x + dx, lo, hi);
    y = clamp(y + dy, lo, hi);
  }
  return { home: Math.exp(x), away: Math.exp(y) };
}

export const marketGoalsFamily: FamilyDefinition = {
  name: 'market_goals',
  summary: 'Attack/defence ratings fitted to the expected goals implied by earlier matches\' de-vigged 1X2 odds (closing preferred; each past price set inverted into two Poisson means), with a per-competition base rate and home advantage that move with the market (crowdless seasons). Emits the log expected goals of each side and the draw model\'s log-odds of home and away against the draw. The current match\'s odds are never used.',
  params: {
    prefix: PREFIX_PARAM('mxg'),
    sources: {
      type: 'string[]',
      default: ['pinnacle:closing', 'market_avg:closing', 'pinnacle:preclosing', 'market_avg:preclosing', 'bet365:preclosing'],
      pattern: /^[a-z0-9_]+:(opening|preclosing|closing|snapshot)$/,
      doc: 'preference list of bookmaker:kind for the past match\'s 1X2 price',
    },
    rate: { type: 'number', default: 0.15, min: 0, max: 1, doc: 'step on attack/defence per match: rating += rate · (ln λ_implied − ln λ_predicted); the time decay of the fit' },
    baseRate: { type: 'number', default: 0.02, min: 0, max: 1, doc: 'step on the competition base rate and home advantage' },
    hfa: { type: 'number', default: 0.25, min: -2, max: 2, doc: 'initial home advantage on the log scale' },
    ...AD_SEAT_PARAMS,
  },
  create(p): FamilyRuntime<MgState> {
    const prefix = p.prefix as string;
    const sources = parseSources(p.sources as string[]);
    const rate = p.rate as number;
    const baseRate = p.baseRate as number;
    const seat = adSeat(p);
    const comp = (s: MgState, g: PreGame): [number, number] => s.comps[g.competitionId] ?? [Math.log(1.2), p.hfa as number];
    const predict = (s: MgState, g: PreGame) => {
      const h = viewTeam(s.teams, g.homeId, g.competitionId, g.seasonYear, g.kickoff, seat);
      const a = viewTeam(s.teams, g.awayId, g.competitionId, g.seasonYear, g.kickoff, seat);
      const [base, hfa] = comp(s, g);
      return { h, a, base, hfa, lh: base + (g.neutral ? 0 : hfa) + h[0]! - a[1]!, la: base + a[0]! - h[1]! };
    };
    return {
      columns: [
        { name: `${prefix}_home`, fill: 0, description: 'log market-implied expected goals of the home side, from earlier matches\' odds only' },
        { name: `${prefix}_away`, fill: 0, description: 'log market-implied expected goals of the away side, from earlier matches\' odds only' },
        { name: `${prefix}_home_draw`, fill: 0, description: 'draw model: ln(p_home / p_draw) of two Poisson scores with those expected goals' },
        { name: `${prefix}_away_draw`, fill: 0, description: 'draw model: ln(p_away / p_draw) of two Poisson scores with those expected goals' },
        { name: `${prefix}_missing`, fill: 1, description: '1 when either team has no past match with odds (its ratings are the documented prior), else 0', missingFlag: true },
      ],
      needs: { odds: { markets: ['1x2'], bookmakers: [...new Set(sources.map((s) => s.bookmaker))] } },
      inputs: [{ kind: 'odds', market: '1x2', sources, preKickoff: false, label: `1x2 odds of finished games from ${(p.sources as string[]).join(' / ')}` }],
      init: () => ({ teams: {}, comps: {} }),
      emit(s, g, out, at) {
        const { lh, la } = predict(s, g);
        const o = poissonOutcome(Math.exp(clamp(lh, -3, 1.8)), Math.exp(clamp(la, -3, 1.8)));
        out[at] = lh;
        out[at + 1] = la;
        out[at + 2] = Math.log(o.home / o.draw);
        out[at + 3] = Math.log(o.away / o.draw);
        const nh = s.teams[g.homeId]?.n ?? 0;
        const na = s.teams[g.awayId]?.n ?? 0;
        out[at + 4] = nh === 0 || na === 0 ? 1 : 0;
      },
      update(s, g: PlayedGame) {
        const chosen = pastPriceSet(g, '1x2', sources);
        // A past match without usable odds teaches nothing; the teams keep their ratings.
        if (!chosen) return;
        const pr = fairProbabilities(chosen);
        const implied = impliedGoals(pr.home, pr.away);
        const { h, a, base, hfa, lh, la } = predict(s, g);
        const eh = clamp(Math.log(implied.home) - lh, -2, 2);
        const ea = clamp(Math.log(implied.away) - la, -2, 2);
        commitTeam(s.teams, g.homeId, [h[0]! + rate * eh, h[1]! - rate * ea], g.competitionId, g.seasonYear, g.kickoff, true);
        commitTeam(s.teams, g.awayId, [a[0]! + rate * ea, a[1]! - rate * eh], g.competitionId, g.seasonYear, g.kickoff, true);
        s.comps[g.competitionId] = [base + baseRate * (eh + ea) / 2, g.neutral ? hfa : hfa + baseRate * (eh - ea) / 2];
      },
    };
  },
};
