import { AppError } from '../../core/index.ts';
import type { OddsMarket } from '../types.ts';
import { fairProbabilities, openingSetAt, priceSetAt, type PriceSet } from '../odds.ts';
import { HOUR_MS, LEAD_MARKET_PARAMS, leadInput } from './market-at.ts';
import { PREFIX_PARAM, type ColumnSpec, type FamilyDefinition, type FamilyRuntime } from './family.ts';

/** '24h', '1h', '30m' (fractions of an hour in minutes). */
function label(hours: number): string {
  return Number.isInteger(hours) ? `${hours}h` : `${Math.round(hours * 60)}m`;
}

export const lineMovementFamily: FamilyDefinition = {
  name: 'line_movement',
  summary: 'How this game\'s market moved before kickoff: the change of the de-vigged implied probabilities between the opening price and the prices at each lead time (e.g. opening → 24 h → 1 h before kickoff), one bookmaker throughout (the first in the preference list with two consecutive points known). Each point is read as `market_at` reads it, so nothing captured after its cut-off is seen.',
  params: {
    prefix: PREFIX_PARAM('mv'),
    ...LEAD_MARKET_PARAMS,
    leadHours: { type: 'number[]', default: [24, 1], min: 0, max: 720, doc: 'lead times in hours, strictly decreasing (earliest point first)' },
    opening: { type: 'boolean', default: true, doc: 'start from the opening price (kind opening, else the earliest dated snapshot before the first lead time)' },
    maxAgeHours: { type: 'number', default: 0, min: 0, max: 720, doc: 'a snapshot older than this before a point\'s cut-off does not count for it (0: any age)' },
  },
  create(p): FamilyRuntime<Record<string, never>> {
    const prefix = p.prefix as string;
    const market = p.market as OddsMarket;
    const books = p.bookmakers as string[];
    const leads = p.leadHours as number[];
    const withOpening = p.opening as boolean;
    const maxAgeMs = (p.maxAgeHours as number) > 0 ? (p.maxAgeHours as number) * HOUR_MS : Infinity;
    for (let k = 1; k < leads.length; k++) {
      if (!(leads[k]! < leads[k - 1]!)) throw new AppError('FEATURE_SET_INVALID', `line_movement.leadHours: expected strictly decreasing hours, got ${leads.join(', ')}`, { details: { path: 'leadHours' } });
    }
    if (leads.length + (withOpening ? 1 : 0) < 2) throw new AppError('FEATURE_SET_INVALID', 'line_movement.leadHours: needs two points (two lead times, or one with opening)', { details: { path: 'leadHours' } });
    const labels = [...(withOpening ? ['open'] : []), ...leads.map(label)];
    const sides = market === '1x2' ? (['home', 'away'] as const) : (['home'] as const);
    const columns: ColumnSpec[] = [];
    for (let k = 1; k < labels.length; k++) {
      for (const side of sides) {
        columns.push({
          name: `${prefix}_${side}_${labels[k - 1]}_${labels[k]}`,
          fill: 0,
          description: `de-vigged p_${side} at ${labels[k]} minus at ${labels[k - 1] === 'open' ? 'opening' : labels[k - 1]} before kickoff (positive: the market moved toward ${side}); null (fill 0) unless both prices are known`,
        });
      }
    }
    columns.push({ name: `${prefix}_missing`, fill: 1, description: '1 when no bookmaker has two consecutive points, else 0', missingFlag: true });
    const minLeadMs = leads.length ? leads[leads.length - 1]! * HOUR_MS : 0;

    return {
      columns,
      needs: { odds: { markets: [market], bookmakers: books } },
      inputs: [leadInput(market, books, minLeadMs, `${market} snapshots with capture times at ${labels.join(', ')} before kickoff (never closing) from ${books.join(' / ')}`)],
      init: () => ({}),
      emit(_s, g, out, i) {
        const sets = g.sets[market];
        const cutoffs = leads.map((h) => g.kickoff - h * HOUR_MS);
        let points: (PriceSet | null)[] | null = null;
        for (const b of books) {
          const at = cutoffs.map((c) => priceSetAt(sets, b, c, maxAgeMs));
          if (withOpening) {
            const open = openingSetAt(sets, b, cutoffs[0]!);
            // The earliest dated snapshot may be the first lead point itself: then nothing moved in between that we saw.
            at.unshift(open && open !== at[0] ? open : null);
          }
          if (at.some((s, k) => k > 0 && s !== null && at[k - 1] !== null)) {
            points = at;
            break;
          }
        }
        const probs = points ? points.map((s) => (s ? fairProbabilities(s) : null)) : null;
        for (let k = 1; k < labels.length; k++) {
          const a = probs?.[k - 1] ?? null;
          const b = probs?.[k] ?? null;
          for (const side of sides) out[i++] = a && b ? b[side] - a[side] : null;
        }
        out[i++] = points ? 0 : 1;
      },
      update() {},
    };
  },
};
