import type { OddsMarket, PlayedGame } from '../types.ts';
import { fairProbabilities } from '../odds.ts';
import { MARGIN_RATING_PARAMS, diffRating, type DiffRatingState } from './margin-rating.ts';
import { marketRatingFamily, parseSources, pastPriceSet } from './market-rating.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';

interface HeState extends DiffRatingState {
  /** Per team: exponentially weighted residual above the internal rating's prediction in its home games. */
  edge: Record<string, number>;
}

/**
 * A team's own home edge (issue 19, round 8): some venues are worth more than the league's home
 * advantage (altitude, noise) and some less (a relocated team in a borrowed stadium), which one
 * league-wide home advantage cannot follow. The residual is measured against an internal rating
 * (margin_rating's model and parameters) rather than read from another family's column, so the
 * family stands alone in any set.
 */
export const homeEdgeFamily: FamilyDefinition = {
  name: 'home_edge',
  summary: 'Per-team home edge: an exponentially weighted mean of the home side\'s capped margin (or past price log-ratio) above an opponent-adjusted rating\'s prediction (league home advantage included) over its earlier home games; emits the home side\'s edge.',
  params: {
    prefix: PREFIX_PARAM('he'),
    edgeRate: { type: 'number', default: 0.02, min: 0, max: 1, doc: 'weight of the newest home game in the home side\'s edge' },
    source: { type: 'enum', default: 'margin', values: ['margin', 'moneyline', '1x2'], doc: 'what the edge is measured on: capped score margins, or earlier games\' de-vigged moneyline or 1X2 prices, ln(p_home/p_away) clipped to ±cap, against a rating fitted to them' },
    sources: marketRatingFamily.params.sources!,
    ...MARGIN_RATING_PARAMS,
  },
  create(p): FamilyRuntime<HeState> {
    const edgeRate = p.edgeRate as number;
    const cap = p.cap as number;
    const market = p.source === 'margin' ? null : (p.source as OddsMarket);
    const sources = parseSources(p.sources as string[]);
    const rating = diffRating(p);
    return {
      columns: [{ name: `${p.prefix as string}_home`, fill: 0, description: 'the home side\'s own home edge (above the league home advantage) from its earlier home games; 0 on a neutral site or before its first home game' }],
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
        const e = rating.learn(s, g, observed);
        // Away games and neutral sites teach the rating, never the edge.
        if (g.neutral) return;
        const before = s.edge[g.homeId] ?? 0;
        s.edge[g.homeId] = before + edgeRate * (e - before);
      },
    };
  },
};
