import type { PlayedGame, PreGame, SideStats } from '../types.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime, type ParamSpec } from './family.ts';
import { commitTeam, viewTeam, type Slots } from './ratings-common.ts';

interface AdState {
  /** v = [attack, defence] on the log scale. */
  teams: Slots;
  /** Per competition: [log base rate, log home advantage]. */
  comps: Record<string, [number, number]>;
}

const STAT_DEFAULT_BASE: Record<string, number> = { goals: Math.log(1.35), shots_on_target: Math.log(4.4), shots: Math.log(12.5) };

function countOf(stat: string, score: number, side: SideStats | undefined): number | null {
  if (stat === 'goals') return score;
  const v = stat === 'shots_on_target' ? side?.shotsOnTarget : side?.shots;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/** Seating parameters of a two-value attack/defence rating (shared with market_goals). */
export const AD_SEAT_PARAMS = {
  regression: { type: 'number', default: 0, min: 0, max: 1, doc: 'shrink toward the competition mean at a new season' },
  newTeamOffset: { type: 'number', default: -0.1, min: -2, max: 2, doc: 'promoted/new team: competition mean attack + offset, defence + offset (log scale)' },
  returnAfterDays: { type: 'number', default: 200, min: 0, doc: 'absence after which a team is seated like a new team (0 = never)' },
} as const satisfies Record<string, ParamSpec>;

/** The viewTeam seating rules of AD_SEAT_PARAMS. */
export function adSeat(p: Readonly<Record<string, unknown>>) {
  const off = p.newTeamOffset as number;
  return { initial: [0, 0], newTeamOffset: [off, off], returnAfterDays: p.returnAfterDays as number, regression: p.regression as number, regressTo: 'competition_mean' as const };
}

export const attackDefenceFamily: FamilyDefinition = {
  name: 'attack_defence',
  summary: 'Poisson attack/defence ratings per team from goals, shots on target or shots, updated match by match with a natural-gradient step (an exponentially weighted fit); emits the log expected count of each side.',
  params: {
    prefix: PREFIX_PARAM('ad'),
    stat: { type: 'enum', default: 'goals', values: ['goals', 'shots_on_target', 'shots'], doc: 'count modelled: goals (results scores) or results.stats shotsOnTarget / shots' },
    rate: { type: 'number', default: 0.04, min: 0, max: 1, doc: 'step on attack/defence per game: rating += rate · (x − λ)/λ (clipped to [−1, 3])' },
    baseRate: { type: 'number', default: 0.005, min: 0, max: 1, doc: 'step on the competition base rate and home advantage' },
    hfa: { type: 'number', default: 0.2, min: -2, max: 2, doc: 'initial home advantage on the log scale' },
    ...AD_SEAT_PARAMS,
  },
  create(p): FamilyRuntime<AdState> {
    const prefix = p.prefix as string;
    const stat = p.stat as string;
    const rate = p.rate as number;
    const baseRate = p.baseRate as number;
    const seat = adSeat(p);
    const comp = (s: AdState, g: PreGame): [number, number] => s.comps[g.competitionId] ?? [STAT_DEFAULT_BASE[stat]!, p.hfa as number];
    const predict = (s: AdState, g: PreGame) => {
      const h = viewTeam(s.teams, g.homeId, g.competitionId, g.seasonYear, g.kickoff, seat);
      const a = viewTeam(s.teams, g.awayId, g.competitionId, g.seasonYear, g.kickoff, seat);
      const [base, hfa] = comp(s, g);
      return { h, a, base, hfa, lh: base + (g.neutral ? 0 : hfa) + h[0]! - a[1]!, la: base + a[0]! - h[1]! };
    };
    const what = stat === 'goals' ? 'goals' : stat === 'shots_on_target' ? 'shots on target' : 'shots';
    return {
      columns: [
        { name: `${prefix}_home`, fill: 0, description: `log expected ${what} of the home side; never missing (priors for new teams)` },
        { name: `${prefix}_away`, fill: 0, description: `log expected ${what} of the away side; never missing (priors for new teams)` },
      ],
      needs: stat === 'goals' ? {} : { stats: true },
      inputs: stat === 'goals' ? [] : [{ kind: 'stat', key: stat === 'shots_on_target' ? 'shotsOnTarget' : 'shots', label: `results.stats ${stat === 'shots_on_target' ? 'shotsOnTarget' : 'shots'} of finished games` }],
      init: () => ({ teams: {}, comps: {} }),
      emit(s, g, out, at) {
        const { lh, la } = predict(s, g);
        out[at] = lh;
        out[at + 1] = la;
      },
      update(s, g: PlayedGame) {
        const xh = countOf(stat, g.result.homeScore, g.result.stats.home);
        const xa = countOf(stat, g.result.awayScore, g.result.stats.away);
        // A game without the statistic teaches nothing; the teams keep their ratings.
        if (xh === null || xa === null) return;
        const { h, a, base, hfa, lh, la } = predict(s, g);
        const eh = clamp((xh - Math.exp(lh)) / Math.exp(lh), -1, 3);
        const ea = clamp((xa - Math.exp(la)) / Math.exp(la), -1, 3);
        commitTeam(s.teams, g.homeId, [h[0]! + rate * eh, h[1]! - rate * ea], g.competitionId, g.seasonYear, g.kickoff, true);
        commitTeam(s.teams, g.awayId, [a[0]! + rate * ea, a[1]! - rate * eh], g.competitionId, g.seasonYear, g.kickoff, true);
        s.comps[g.competitionId] = [base + baseRate * (eh + ea) / 2, g.neutral ? hfa : hfa + baseRate * (eh - ea) / 2];
      },
    };
  },
};
