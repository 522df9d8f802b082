import type { OddsKind, OddsMarket, PlayedGame } from '../types.ts';
import { fairProbabilities, pickPriceSet, type PriceSet } from '../odds.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';
import { KALMAN_PARAMS, kalmanOptions, kalmanStep } from './ratings-common.ts';
import { diffRating, type DiffRatingState } from './margin-rating.ts';

interface MrState extends DiffRatingState {
  /** Kalman mode: each team's rating variance after its last update. */
  variance?: Record<string, number>;
}

/**
 * Source spec 'bookmaker:kind' — e.g. 'pinnacle:closing'. Only ever applied to games already
 * played, so a past game's closing price is fair game; the current game's odds never reach here.
 */
export function parseSources(sources: readonly string[]): Array<{ bookmaker: string; kind: OddsKind }> {
  return sources.map((s) => {
    const [bookmaker, kind] = s.split(':') as [string, OddsKind];
    return { bookmaker, kind };
  });
}

/** The played game's first price set in `sources` order (closing and pre-kickoff sets), or null. */
export function pastPriceSet(g: PlayedGame, market: OddsMarket, sources: ReadonlyArray<{ bookmaker: string; kind: OddsKind }>): PriceSet | null {
  const sets = [...g.closingSets[market], ...g.sets[market]];
  for (const src of sources) {
    const chosen = pickPriceSet(sets, [src.bookmaker], [src.kind]);
    if (chosen) return chosen;
  }
  return null;
}

export const marketRatingFamily: FamilyDefinition = {
  name: 'market_rating',
  summary: 'Team strength implied by the market in earlier games: ratings fitted online to past games\' de-vigged odds (closing preferred) on the log-ratio scale ln(p_home / p_away). The current game\'s odds are never used.',
  params: {
    prefix: PREFIX_PARAM('mr'),
    market: { type: 'enum', default: '1x2', values: ['1x2', 'moneyline'], doc: 'market read from past games' },
    sources: {
      type: 'string[]',
      default: ['pinnacle:closing', 'market_avg:closing', 'pinnacle:preclosing', 'market_avg:preclosing', 'bet365:preclosing'],
      pattern: /^[a-z0-9_]+:(opening|preclosing|closing|snapshot)$/,
      doc: 'preference list of bookmaker:kind for the past game\'s price',
    },
    rate: { type: 'number', default: 0.2, min: 0, max: 1, doc: 'each side moves rate · error, error = implied − predicted log-ratio' },
    hfaRate: { type: 'number', default: 0.01, min: 0, max: 1, doc: 'step of the per-competition home advantage' },
    hfa: { type: 'number', default: 0.4, min: -3, max: 3, doc: 'initial home advantage on the log-ratio scale' },
    regression: { type: 'number', default: 0, min: 0, max: 1, doc: 'fraction pulled to the competition mean at a new season' },
    newTeamOffset: { type: 'number', default: -0.3, min: -5, max: 5, doc: 'a team new to the competition starts at its mean plus this' },
    returnAfterDays: { type: 'number', default: 200, min: 0, doc: 'absence after which a team is seated like a new team (0 = never)' },
    maxAbs: { type: 'number', default: 6, min: 0.5, max: 20, doc: 'observed log-ratios are clipped to ±maxAbs' },
    ...KALMAN_PARAMS,
  },
  create(p): FamilyRuntime<MrState> {
    const prefix = p.prefix as string;
    const market = p.market as OddsMarket;
    const sources = parseSources(p.sources as string[]);
    const rate = p.rate as number;
    const maxAbs = p.maxAbs as number;
    const kalman = kalmanOptions(p);
    const rating = diffRating(p);
    return {
      columns: [
        { name: `${prefix}_diff`, fill: 0, description: 'market-implied strength of home minus away plus home advantage, ln(p_home/p_away) scale, from past games only' },
        { name: `${prefix}_missing`, fill: 1, description: '1 when either team has no past game with odds (its rating is the documented prior), else 0', missingFlag: true },
      ],
      needs: { odds: { markets: [market], bookmakers: [...new Set(sources.map((s) => s.bookmaker))] } },
      inputs: [{ kind: 'odds', market, sources, preKickoff: false, label: `${market} odds of finished games from ${(p.sources as string[]).join(' / ')}` }],
      init: () => ({ teams: {}, hfa: {} }),
      emit(s, g, out, at) {
        out[at] = rating.predict(s, g).diff;
        const nh = s.teams[g.homeId]?.n ?? 0;
        const na = s.teams[g.awayId]?.n ?? 0;
        out[at + 1] = nh === 0 || na === 0 ? 1 : 0;
      },
      update(s, g: PlayedGame) {
        const chosen = pastPriceSet(g, market, sources);
        // A past game without usable odds teaches nothing; the teams keep their ratings.
        if (!chosen) return;
        const pr = fairProbabilities(chosen);
        const observed = clamp(Math.log(pr.home / pr.away), -maxAbs, maxAbs);
        // Kalman gains read the variances before the ratings move (the slots' last kickoffs).
        const gains = kalman.processNoise > 0 ? kalmanStep((s.variance ??= {}), s.teams, g.homeId, g.awayId, g.kickoff, kalman) : ([rate, rate] as const);
        rating.learn(s, g, observed, gains);
      },
    };
  },
};
