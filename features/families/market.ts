import type { OddsKind, OddsMarket } from '../types.ts';
import { fairProbabilities, pickPriceSet, type PriceSet } from '../odds.ts';
import { PREFIX_PARAM, type ColumnSpec, type FamilyDefinition, type FamilyRuntime } from './family.ts';

const CURRENT_KINDS: readonly OddsKind[] = ['preclosing', 'snapshot'];

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

export const marketFamily: FamilyDefinition = {
  name: 'market',
  summary: 'This game\'s own market before kickoff: de-vigged implied probabilities (proportional normalisation) from the first bookmaker in the preference list with a complete pre-closing/snapshot set, overround, and opening→current movement. Closing odds and anything captured at or after kickoff never reach the row.',
  params: {
    prefix: PREFIX_PARAM('mkt'),
    market: { type: 'enum', default: '1x2', values: ['1x2', 'moneyline'], doc: 'market read' },
    bookmakers: { type: 'string[]', default: ['pinnacle', 'market_avg', 'bet365'], pattern: /^[a-z0-9_]+$/, doc: 'preference order; the first with a complete set wins' },
    useOpening: { type: 'boolean', default: true, doc: 'fall back to the opening price when no pre-closing/snapshot set exists' },
    transform: { type: 'enum', default: 'logit', values: ['logit', 'prob'], doc: "'prob': p_home, p_draw, p_away; 'logit': ln(p_home/p_draw) and ln(p_away/p_draw) (two-way: logit(p_home))" },
    overround: { type: 'boolean', default: false, doc: 'emit <prefix>_overround' },
    movement: { type: 'boolean', default: false, doc: 'emit <prefix>_move: change of ln(p_home/p_away) from opening to current; null (fill 0) unless both are known' },
  },
  create(p): FamilyRuntime<Record<string, never>> {
    const prefix = p.prefix as string;
    const market = p.market as OddsMarket;
    const books = p.bookmakers as string[];
    const threeWay = market === '1x2';
    const asProb = p.transform === 'prob';
    const columns: ColumnSpec[] = [];
    const missingNote = 'null when the game has no pre-kickoff odds';
    if (asProb) {
      columns.push({ name: `${prefix}_home`, fill: threeWay ? 0.45 : 0.57, description: `de-vigged home probability; ${missingNote} (fill the typical home rate)` });
      if (threeWay) columns.push({ name: `${prefix}_draw`, fill: 0.26, description: `de-vigged draw probability; ${missingNote} (fill 0.26)` });
      columns.push({ name: `${prefix}_away`, fill: threeWay ? 0.29 : 0.43, description: `de-vigged away probability; ${missingNote} (fill the typical away rate)` });
    } else if (threeWay) {
      // Log-ratios against the draw: a multinomial logistic model with unit weights reproduces the market exactly.
      columns.push({ name: `${prefix}_home_draw`, fill: 0.55, description: `ln(p_home / p_draw) de-vigged; ${missingNote} (fill 0.55 ≈ 45% vs 26%)` });
      columns.push({ name: `${prefix}_away_draw`, fill: 0.11, description: `ln(p_away / p_draw) de-vigged; ${missingNote} (fill 0.11 ≈ 29% vs 26%)` });
    } else {
      columns.push({ name: `${prefix}_home`, fill: 0, description: `logit(p_home) de-vigged; ${missingNote} (fill 0)` });
    }
    if (p.overround) columns.push({ name: `${prefix}_overround`, fill: 0.05, description: `Σ(1/odds) − 1 of the chosen set; ${missingNote} (fill 0.05)` });
    if (p.movement) columns.push({ name: `${prefix}_move`, fill: 0, description: 'ln(p_home/p_away) current minus opening; null (fill 0) unless both are known' });
    columns.push({ name: `${prefix}_missing`, fill: 1, description: '1 when the game has no usable pre-kickoff odds, else 0', missingFlag: true });
    const kinds: OddsKind[] = p.useOpening ? [...CURRENT_KINDS, 'opening'] : [...CURRENT_KINDS];

    return {
      columns,
      needs: { odds: { markets: [market], bookmakers: books } },
      inputs: [{
        kind: 'odds',
        market,
        sources: books.flatMap((bookmaker) => kinds.map((kind) => ({ bookmaker, kind }))),
        preKickoff: true,
        label: `pre-kickoff ${market} odds (${kinds.join(', ')}; never closing) from ${books.join(' / ')}`,
      }],
      init: () => ({}),
      emit(_s, g, out, at) {
        // g.sets already excludes closing prices and anything captured at or after kickoff.
        const sets = g.sets[market];
        let current: PriceSet | null = pickPriceSet(sets, books, CURRENT_KINDS);
        const opening = pickPriceSet(sets, current ? [current.bookmaker] : books, ['opening']);
        if (!current && p.useOpening) current = opening;
        const pr = current ? fairProbabilities(current) : null;
        let i = at;
        if (asProb) {
          out[i++] = pr ? pr.home : null;
          if (threeWay) out[i++] = pr ? pr.draw : null;
          out[i++] = pr ? pr.away : null;
        } else if (threeWay) {
          out[i++] = pr ? Math.log(pr.home / pr.draw!) : null;
          out[i++] = pr ? Math.log(pr.away / pr.draw!) : null;
        } else {
          out[i++] = pr ? logit(pr.home) : null;
        }
        if (p.overround) out[i++] = pr ? pr.overround : null;
        if (p.movement) {
          const po = opening && current && opening !== current ? fairProbabilities(opening) : null;
          out[i++] = po && pr ? Math.log(pr.home / pr.away) - Math.log(po.home / po.away) : null;
        }
        out[i++] = pr ? 0 : 1;
      },
      update() {},
    };
  },
};
