import type { OddsMarket, PlayedGame, PreGame } from '../types.ts';
import { fairProbabilities } from '../odds.ts';
import { parseSources, pastPriceSet } from './market-rating.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';
import { commitTeam, viewTeam, type Slots } from './ratings-common.ts';

interface HeState {
  /** The family's own opponent-adjusted margin rating (the same model as margin_rating). */
  teams: Slots;
  hfa: Record<string, number>;
  /** Per team: exponentially weighted margin above that rating's prediction in its home games. */
  edge: Record<string, number>;
}

/**
 * A team's own home edge (issue 19, round 8): some venues are worth more than the league's home
 * advantage (altitude, noise) and some less (a relocated team in a borrowed stadium), which one
 * league-wide home advantage cannot follow. The residual is measured against an internal margin
 * rating rather than read from another family's column, so the family stands alone in any set.
 */
export const homeEdgeFamily: FamilyDefinition = {
  name: 'home_edge',
  summary: 'Per-team home edge: an exponentially weighted mean of the home side\'s capped margin above an opponent-adjusted margin rating\'s prediction (league home advantage included) over its earlier home games; emits the home side\'s edge (points).',
  params: {
    prefix: PREFIX_PARAM('he'),
    source: { type: 'enum', default: 'margin', values: ['margin', 'moneyline', '1x2'], doc: 'what the edge is measured on: capped score margins (points), or earlier games\' de-vigged moneyline or 1X2 prices, ln(p_home/p_away), against a rating fitted to them' },
    sources: {
      type: 'string[]',
      default: ['consensus:closing', 'consensus:preclosing', 'consensus:opening'],
      pattern: /^[a-z0-9_]+:(opening|preclosing|closing|snapshot)$/,
      doc: 'market sources: preference list of bookmaker:kind for the past game\'s price',
    },
    edgeRate: { type: 'number', default: 0.02, min: 0, max: 1, doc: 'weight of the newest home game in the home side\'s edge' },
    rate: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'step of the internal margin rating (as margin_rating.rate)' },
    hfa: { type: 'number', default: 2, min: -50, max: 50, doc: 'initial league home advantage of the internal rating (points)' },
    hfaRate: { type: 'number', default: 0.002, min: 0, max: 1, doc: 'step of the per-competition home advantage of the internal rating' },
    cap: { type: 'number', default: 24, min: 1, max: 200, doc: 'margins (or log-ratios) clipped to ±cap' },
    regression: { type: 'number', default: 0.4, min: 0, max: 1, doc: 'internal rating pulled to the competition mean at a new season' },
  },
  create(p): FamilyRuntime<HeState> {
    const prefix = p.prefix as string;
    const edgeRate = p.edgeRate as number;
    const rate = p.rate as number;
    const hfaRate = p.hfaRate as number;
    const hfa0 = p.hfa as number;
    const cap = p.cap as number;
    const market = p.source === 'margin' ? null : (p.source as OddsMarket);
    const sources = parseSources(p.sources as string[]);
    const seat = { initial: [0], newTeamOffset: [0], returnAfterDays: 0, regression: p.regression as number, regressTo: 'competition_mean' as const };
    const predict = (s: HeState, g: PreGame) => {
      const h = viewTeam(s.teams, g.homeId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
      const a = viewTeam(s.teams, g.awayId, g.competitionId, g.seasonYear, g.kickoff, seat)[0]!;
      const hfa = s.hfa[g.competitionId] ?? hfa0;
      return { h, a, hfa, diff: h - a + (g.neutral ? 0 : hfa) };
    };
    return {
      columns: [{ name: `${prefix}_home`, fill: 0, description: 'the home side\'s own home edge (points above the league home advantage) from its earlier home games; 0 on a neutral site or before its first home game' }],
      needs: market ? { odds: { markets: [market], bookmakers: [...new Set(sources.map((x) => x.bookmaker))] } } : {},
      ...(market ? { inputs: [{ kind: 'odds' as const, market, sources, preKickoff: false, label: `${market} odds of finished games from ${(p.sources as string[]).join(' / ')}` }] } : {}),
      init: () => ({ teams: {}, hfa: {}, edge: {} }),
      emit(s, g, out, at) {
        out[at] = g.neutral ? 0 : s.edge[g.homeId] ?? 0;
      },
      update(s, g: PlayedGame) {
        let observed: number;
        if (market) {
          // A past game without usable odds teaches nothing (as in market_rating).
          const chosen = pastPriceSet(g, market, sources);
          if (!chosen) return;
          const pr = fairProbabilities(chosen);
          observed = clamp(Math.log(pr.home / pr.away), -cap, cap);
        } else observed = clamp(g.result.homeScore - g.result.awayScore, -cap, cap);
        const { h, a, hfa, diff } = predict(s, g);
        const e = observed - diff;
        commitTeam(s.teams, g.homeId, [h + rate * e], g.competitionId, g.seasonYear, g.kickoff, true);
        commitTeam(s.teams, g.awayId, [a - rate * e], g.competitionId, g.seasonYear, g.kickoff, true);
        if (g.neutral) return;
        s.hfa[g.competitionId] = hfa + hfaRate * e;
        // The league's part of the residual moves the league's home advantage; the edge keeps what is the team's.
        const before = s.edge[g.homeId] ?? 0;
        s.edge[g.homeId] = before + edgeRate * (e - before);
      },
    };
  },
};
