import type { OddsKind, OddsMarket } from '../types.ts';
import { fairProbabilities, priceSetAt, type PriceSet } from '../odds.ts';
import { PREFIX_PARAM, type ColumnSpec, type FamilyDefinition, type FamilyRuntime } from './family.ts';

export const HOUR_MS = 3_600_000;
const LEAD_SOURCE_KINDS: readonly OddsKind[] = ['snapshot', 'preclosing', 'opening'];

/** Params shared by the lead-time families: which market, which books. */
export const LEAD_MARKET_PARAMS = {
  market: { type: 'enum', default: '1x2', values: ['1x2', 'moneyline'], doc: 'market read' },
  bookmakers: { type: 'string[]', default: ['pinnacle', 'market_avg', 'bet365'], pattern: /^[a-z0-9_]+$/, doc: 'preference order; the first with a price at the cut-off wins' },
} as const;

/**
 * The first bookmaker in `books` with a price at `cutoff` (see `priceSetAt`), and that price.
 */
export function firstPriceAt(sets: readonly PriceSet[], books: readonly string[], cutoff: number, maxAgeMs: number): PriceSet | null {
  for (const b of books) {
    const s = priceSetAt(sets, b, cutoff, maxAgeMs);
    if (s) return s;
  }
  return null;
}

/** What availability checks for a lead-time family: a dated pre-kickoff quote at least `leadMs` before kickoff. */
export function leadInput(market: OddsMarket, books: readonly string[], leadMs: number, label: string) {
  return {
    kind: 'odds' as const,
    market,
    sources: books.flatMap((bookmaker) => LEAD_SOURCE_KINDS.map((kind) => ({ bookmaker, kind }))),
    preKickoff: true,
    leadMs,
    label,
  };
}

export const marketAtFamily: FamilyDefinition = {
  name: 'market_at',
  summary: 'This game\'s market as it stood a chosen lead time before kickoff: the de-vigged implied probabilities (proportional) of the latest snapshot captured at or before kickoff − leadHours, from the first bookmaker in the preference list that has one. Only prices with a known capture time count; closing prices and anything captured after the cut-off never reach the row.',
  params: {
    prefix: PREFIX_PARAM('lead'),
    ...LEAD_MARKET_PARAMS,
    leadHours: { type: 'number', default: 24, min: 0, max: 720, doc: 'hours before kickoff at which the price is read (the cut-off is kickoff − leadHours)' },
    maxAgeHours: { type: 'number', default: 0, min: 0, max: 720, doc: 'a snapshot captured more than this many hours before the cut-off is too stale to count (0: any age)' },
    transform: { type: 'enum', default: 'logit', values: ['logit', 'prob'], doc: "'prob': p_home, p_draw, p_away; 'logit': ln(p_home/p_draw) and ln(p_away/p_draw) (two-way: logit(p_home))" },
    age: { type: 'boolean', default: false, doc: 'emit <prefix>_age_h: hours from the snapshot\'s capture to the cut-off' },
  },
  create(p): FamilyRuntime<Record<string, never>> {
    const prefix = p.prefix as string;
    const market = p.market as OddsMarket;
    const books = p.bookmakers as string[];
    const leadMs = (p.leadHours as number) * HOUR_MS;
    const maxAgeMs = (p.maxAgeHours as number) > 0 ? (p.maxAgeHours as number) * HOUR_MS : Infinity;
    const threeWay = market === '1x2';
    const asProb = p.transform === 'prob';
    const at = `${p.leadHours as number} h before kickoff`;
    const note = `null when no dated snapshot exists ${at}`;
    const columns: ColumnSpec[] = [];
    if (asProb) {
      columns.push({ name: `${prefix}_home`, fill: threeWay ? 0.45 : 0.57, description: `de-vigged home probability ${at}; ${note} (fill the typical home rate)` });
      if (threeWay) columns.push({ name: `${prefix}_draw`, fill: 0.26, description: `de-vigged draw probability ${at}; ${note} (fill 0.26)` });
      columns.push({ name: `${prefix}_away`, fill: threeWay ? 0.29 : 0.43, description: `de-vigged away probability ${at}; ${note} (fill the typical away rate)` });
    } else if (threeWay) {
      columns.push({ name: `${prefix}_home_draw`, fill: 0.55, description: `ln(p_home / p_draw) de-vigged ${at}; ${note} (fill 0.55)` });
      columns.push({ name: `${prefix}_away_draw`, fill: 0.11, description: `ln(p_away / p_draw) de-vigged ${at}; ${note} (fill 0.11)` });
    } else {
      columns.push({ name: `${prefix}_home`, fill: 0, description: `logit(p_home) de-vigged ${at}; ${note} (fill 0)` });
    }
    if (p.age) columns.push({ name: `${prefix}_age_h`, fill: 0, description: `hours from the snapshot's capture to the cut-off ${at}; ${note} (fill 0)` });
    columns.push({ name: `${prefix}_missing`, fill: 1, description: `1 when no dated snapshot exists ${at}, else 0`, missingFlag: true });

    return {
      columns,
      needs: { odds: { markets: [market], bookmakers: books } },
      inputs: [leadInput(market, books, leadMs, `${market} snapshots with a capture time at least ${p.leadHours as number} h before kickoff (never closing) from ${books.join(' / ')}`)],
      init: () => ({}),
      emit(_s, g, out, i) {
        const cutoff = g.kickoff - leadMs;
        const s = firstPriceAt(g.sets[market], books, cutoff, maxAgeMs);
        const pr = s ? fairProbabilities(s) : null;
        if (asProb) {
          out[i++] = pr ? pr.home : null;
          if (threeWay) out[i++] = pr ? pr.draw : null;
          out[i++] = pr ? pr.away : null;
        } else if (threeWay) {
          out[i++] = pr ? Math.log(pr.home / pr.draw!) : null;
          out[i++] = pr ? Math.log(pr.away / pr.draw!) : null;
        } else {
          out[i++] = pr ? Math.log(pr.home / (1 - pr.home)) : null;
        }
        if (p.age) out[i++] = s ? (cutoff - s.capturedAt) / HOUR_MS : null;
        out[i++] = pr ? 0 : 1;
      },
      update() {},
    };
  },
};
