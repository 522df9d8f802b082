import type { PlayedGame, PreGame } from '../types.ts';
import { PREFIX_PARAM, type FamilyDefinition, type FamilyRuntime } from './family.ts';
import { commitTeam, viewTeam, type Slots } from './ratings-common.ts';

interface EloState {
  teams: Slots;
  /** Home advantage in Elo points per competition id (or key 'all'). */
  hfa: Record<string, number>;
}

/** Margin-of-victory multiplier of one Elo update. `winnerDiff` is the winner's rating edge incl. home advantage. */
export function movMultiplier(kind: string, homeScore: number, awayScore: number, winnerDiff: number): number {
  const margin = Math.abs(homeScore - awayScore);
  switch (kind) {
    case 'goal_diff':
      // eloratings.net: 1 for a one-goal game or draw, 1.5 for two goals, (11 + N) / 8 beyond.
      return margin <= 1 ? 1 : margin === 2 ? 1.5 : (11 + margin) / 8;
    case 'nfl538':
      // FiveThirtyEight NFL: ln(max(margin,1) + 1) · 2.2 / (winner's edge · 0.001 + 2.2); ties use 2.2 / 1.
      return Math.log(Math.max(margin, 1) + 1) * (margin === 0 ? 2.2 : 2.2 / (winnerDiff * 0.001 + 2.2));
    case 'nba538':
      // FiveThirtyEight NBA: (margin + 3)^0.8 / (7.5 + 0.006 · winner's edge).
      return Math.pow(margin + 3, 0.8) / (7.5 + 0.006 * winnerDiff);
    default:
      return 1;
  }
}

/** Expected home score of an Elo rating difference (points, home advantage included). */
export function eloExpected(diff: number): number {
  return 1 / (1 + Math.pow(10, -diff / 400));
}

export const eloFamily: FamilyDefinition = {
  name: 'elo',
  summary: 'Elo rating difference (home − away, home advantage included unless neutral), with margin-of-victory multiplier, optional adaptive per-competition home advantage and regression to the mean between seasons.',
  params: {
    prefix: PREFIX_PARAM('elo'),
    k: { type: 'number', default: 20, min: 0, max: 200, doc: 'K factor (rating points moved per unit of surprise)' },
    initial: { type: 'number', default: 1500, doc: 'rating of a team with no history when its competition has no rated teams yet' },
    hfa: { type: 'number', default: 65, min: -400, max: 400, doc: 'initial home advantage in Elo points' },
    hfaRate: { type: 'number', default: 0, min: 0, max: 1, doc: 'adaptive home advantage: after each non-neutral game hfa += hfaRate · K · mult · (S − E); 0 keeps it fixed' },
    hfaScope: { type: 'enum', default: 'competition', values: ['competition', 'all'], doc: 'one home advantage per competition or one for the sport' },
    mov: { type: 'enum', default: 'none', values: ['none', 'goal_diff', 'nfl538', 'nba538'], doc: 'margin-of-victory multiplier' },
    regression: { type: 'number', default: 0, min: 0, max: 1, doc: 'fraction of the distance to the mean removed at a team\'s first game of a new season' },
    regressTo: { type: 'enum', default: 'initial', values: ['initial', 'competition_mean'], doc: 'the mean used by regression' },
    newTeamOffset: { type: 'number', default: 0, min: -1000, max: 1000, doc: 'a team new to a competition (or back after returnAfterDays) starts at the competition mean plus this' },
    returnAfterDays: { type: 'number', default: 0, min: 0, doc: 'absence after which a team is seated like a new team (0 = never; soccer: promoted teams)' },
  },
  create(p): FamilyRuntime<EloState> {
    const prefix = p.prefix as string;
    const k = p.k as number;
    const hfa0 = p.hfa as number;
    const hfaRate = p.hfaRate as number;
    const scopeAll = p.hfaScope === 'all';
    const mov = p.mov as string;
    const seat = {
      initial: [p.initial as number],
      newTeamOffset: [p.newTeamOffset as number],
      returnAfterDays: p.returnAfterDays as number,
      regression: p.regression as number,
      regressTo: p.regressTo === 'initial' ? [p.initial as number] : ('competition_mean' as const),
    };
    const hfaKey = (g: PreGame) => (scopeAll ? 'all' : String(g.competitionId));
    const diffOf = (s: EloState, g: PreGame) => {
      const h = viewTeam(s.teams, g.homeId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
      const a = viewTeam(s.teams, g.awayId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
      return { h, a, diff: h - a + (g.neutral ? 0 : (s.hfa[hfaKey(g)] ?? hfa0)) };
    };
    return {
      columns: [{ name: `${prefix}_diff`, fill: 0, description: 'Elo rating of home minus away plus home advantage (Elo points); never missing (new teams get the documented prior)' }],
      needs: {},
      init: () => ({ teams: {}, hfa: {} }),
      emit(s, g, out, at) {
        out[at] = diffOf(s, g).diff;
      },
      update(s, g: PlayedGame) {
        const { h, a, diff } = diffOf(s, g);
        const r = g.result;
        const score = r.outcome === 'home' ? 1 : r.outcome === 'draw' ? 0.5 : 0;
        const expected = eloExpected(diff);
        const winnerDiff = score === 1 ? diff : score === 0 ? -diff : 0;
        const mult = movMultiplier(mov, r.homeScore, r.awayScore, winnerDiff);
        const delta = k * mult * (score - expected);
        commitTeam(s.teams, g.homeId, [h + delta], g.competitionId, g.seasonYear, g.kickoff, true);
        commitTeam(s.teams, g.awayId, [a - delta], g.competitionId, g.seasonYear, g.kickoff, true);
        if (!g.neutral && hfaRate > 0) {
          const key = hfaKey(g);
          s.hfa[key] = (s.hfa[key] ?? hfa0) + hfaRate * delta;
        }
      },
    };
  },
};
