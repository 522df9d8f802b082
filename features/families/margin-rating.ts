import type { PlayedGame, PreGame } from '../types.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';
import { commitTeam, viewTeam, type Slots } from './ratings-common.ts';

interface MgState {
  teams: Slots;
  hfa: Record<string, number>;
}

export const marginRatingFamily: FamilyDefinition = {
  name: 'margin_rating',
  summary: 'Opponent-adjusted scoring-margin rating (points or goals), an exponentially weighted online least-squares fit: predicted margin = rating_home − rating_away + home advantage.',
  params: {
    prefix: PREFIX_PARAM('mg'),
    rate: { type: 'number', default: 0.05, min: 0, max: 1, doc: 'each side moves rate · (capped margin − predicted)' },
    hfa: { type: 'number', default: 2.5, min: -50, max: 50, doc: 'initial home advantage (points)' },
    hfaRate: { type: 'number', default: 0.002, min: 0, max: 1, doc: 'step of the per-competition home advantage' },
    cap: { type: 'number', default: 21, min: 1, max: 200, doc: 'margins are clipped to ±cap before learning' },
    regression: { type: 'number', default: 0.33, min: 0, max: 1, doc: 'fraction pulled to the competition mean at a new season' },
    newTeamOffset: { type: 'number', default: 0, min: -100, max: 100, doc: 'a team new to the competition starts at its mean plus this' },
    returnAfterDays: { type: 'number', default: 0, min: 0, doc: 'absence after which a team is seated like a new team (0 = never)' },
  },
  create(p): FamilyRuntime<MgState> {
    const prefix = p.prefix as string;
    const rate = p.rate as number;
    const hfaRate = p.hfaRate as number;
    const hfa0 = p.hfa as number;
    const cap = p.cap as number;
    const seat = {
      initial: [0],
      newTeamOffset: [p.newTeamOffset as number],
      returnAfterDays: p.returnAfterDays as number,
      regression: p.regression as number,
      regressTo: 'competition_mean' as const,
    };
    const predict = (s: MgState, g: PreGame) => {
      const h = viewTeam(s.teams, g.homeId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
      const a = viewTeam(s.teams, g.awayId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
      const hfa = s.hfa[g.competitionId] ?? hfa0;
      return { h, a, hfa, diff: h - a + (g.neutral ? 0 : hfa) };
    };
    return {
      columns: [{ name: `${prefix}_diff`, fill: 0, description: 'predicted home margin from opponent-adjusted margin ratings (points); never missing' }],
      needs: {},
      init: () => ({ teams: {}, hfa: {} }),
      emit(s, g, out, at) {
        out[at] = predict(s, g).diff;
      },
      update(s, g: PlayedGame) {
        const { h, a, hfa, diff } = predict(s, g);
        const e = clamp(g.result.homeScore - g.result.awayScore, -cap, cap) - diff;
        commitTeam(s.teams, g.homeId, [h + rate * e], g.competitionId, g.seasonYear, g.kickoff, true);
        commitTeam(s.teams, g.awayId, [a - rate * e], g.competitionId, g.seasonYear, g.kickoff, true);
        if (!g.neutral) s.hfa[g.competitionId] = hfa + hfaRate * e;
      },
    };
  },
};
