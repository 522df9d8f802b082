import type { PlayedGame, PreGame } from '../types.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime, type ParamSpec } from './family.ts';
import { commitTeam, viewTeam, type Slots } from './ratings-common.ts';

/** State of an opponent-adjusted difference rating: one value per team, a home advantage per competition. */
export interface DiffRatingState {
  teams: Slots;
  hfa: Record<string, number>;
}

/** The margin rating's parameters (shared with home_edge, whose internal rating is the same model). */
export const MARGIN_RATING_PARAMS = {
  rate: { type: 'number', default: 0.05, min: 0, max: 1, doc: 'each side moves rate · (capped margin − predicted)' },
  hfa: { type: 'number', default: 2.5, min: -50, max: 50, doc: 'initial home advantage (points)' },
  hfaRate: { type: 'number', default: 0.002, min: 0, max: 1, doc: 'step of the per-competition home advantage' },
  cap: { type: 'number', default: 21, min: 1, max: 200, doc: 'margins are clipped to ±cap before learning' },
  regression: { type: 'number', default: 0.33, min: 0, max: 1, doc: 'fraction pulled to the competition mean at a new season' },
  newTeamOffset: { type: 'number', default: 0, min: -100, max: 100, doc: 'a team new to the competition starts at its mean plus this' },
  returnAfterDays: { type: 'number', default: 0, min: 0, doc: 'absence after which a team is seated like a new team (0 = never)' },
} as const satisfies Record<string, ParamSpec>;

/**
 * The rating behind margin_rating, market_rating and home_edge: predicted = rating_home − rating_away + the
 * competition's home advantage; `learn` moves both sides and the home advantage toward an observed
 * value (a capped margin, or a price's log-ratio) and returns the error it learned from.
 */
export function diffRating(p: Readonly<Record<string, unknown>>) {
  const rate = p.rate as number;
  const hfaRate = p.hfaRate as number;
  const hfa0 = p.hfa as number;
  const seat = {
    initial: [0],
    newTeamOffset: [p.newTeamOffset as number],
    returnAfterDays: p.returnAfterDays as number,
    regression: p.regression as number,
    regressTo: 'competition_mean' as const,
  };
  const predict = (s: DiffRatingState, g: PreGame) => {
    const h = viewTeam(s.teams, g.homeId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
    const a = viewTeam(s.teams, g.awayId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
    const hfa = s.hfa[g.competitionId] ?? hfa0;
    return { h, a, hfa, diff: h - a + (g.neutral ? 0 : hfa) };
  };
  // `gains`: each side's step instead of `rate` (market_rating's Kalman mode).
  const learn = (s: DiffRatingState, g: PlayedGame, observed: number, gains: readonly [number, number] = [rate, rate]): number => {
    const { h, a, hfa, diff } = predict(s, g);
    const e = observed - diff;
    commitTeam(s.teams, g.homeId, [h + gains[0] * e], g.competitionId, g.seasonYear, g.kickoff, true);
    commitTeam(s.teams, g.awayId, [a - gains[1] * e], g.competitionId, g.seasonYear, g.kickoff, true);
    if (!g.neutral) s.hfa[g.competitionId] = hfa + hfaRate * e;
    return e;
  };
  return { predict, learn };
}

export const marginRatingFamily: FamilyDefinition = {
  name: 'margin_rating',
  summary: 'Opponent-adjusted scoring-margin rating (points or goals), an exponentially weighted online least-squares fit: predicted margin = rating_home − rating_away + home advantage.',
  params: { prefix: PREFIX_PARAM('mg'), ...MARGIN_RATING_PARAMS },
  create(p): FamilyRuntime<DiffRatingState> {
    const cap = p.cap as number;
    const rating = diffRating(p);
    return {
      columns: [{ name: `${p.prefix as string}_diff`, fill: 0, description: 'predicted home margin from opponent-adjusted margin ratings (points); never missing' }],
      needs: {},
      init: () => ({ teams: {}, hfa: {} }),
      emit(s, g, out, at) {
        out[at] = rating.predict(s, g).diff;
      },
      update(s, g: PlayedGame) {
        rating.learn(s, g, clamp(g.result.homeScore - g.result.awayScore, -cap, cap));
      },
    };
  },
};
