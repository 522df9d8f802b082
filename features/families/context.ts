import type { PreGame } from '../types.ts';
import { PREFIX_PARAM, type ColumnSpec, type FamilyDefinition, type FamilyRuntime } from './family.ts';

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function indoor(g: PreGame): number | null {
  const roof = typeof g.context.roof === 'string' ? g.context.roof.trim().toLowerCase() : '';
  if (roof === 'dome' || roof === 'closed') return 1;
  if (roof === 'outdoors' || roof === 'open') return 0;
  return null;
}

export const contextFamily: FamilyDefinition = {
  name: 'context',
  summary: 'Venue and weather from games.context (NFL: roof, temperature °F, wind mph) where present; known before kickoff.',
  params: {
    prefix: PREFIX_PARAM('ctx'),
    roof: { type: 'boolean', default: true, doc: 'emit <prefix>_indoor: 1 dome/closed, 0 outdoors/open, null (fill 0) unknown' },
    weather: { type: 'boolean', default: true, doc: 'emit <prefix>_temp and <prefix>_wind; indoors they are 70 °F and 0 mph; null when unknown outdoors (fill 60 / 8)' },
  },
  create(p): FamilyRuntime<Record<string, never>> {
    const prefix = p.prefix as string;
    const columns: ColumnSpec[] = [];
    if (p.roof) columns.push({ name: `${prefix}_indoor`, fill: 0, description: '1 indoors (dome/closed roof), 0 outdoors; null (fill 0) unknown' });
    if (p.weather) {
      columns.push({ name: `${prefix}_temp`, fill: 60, description: 'temperature °F (70 indoors); null (fill 60) unknown outdoors' });
      columns.push({ name: `${prefix}_wind`, fill: 8, description: 'wind mph (0 indoors); null (fill 8) unknown outdoors' });
    }
    return {
      columns,
      needs: { context: true },
      init: () => ({}),
      emit(_s, g, out, at) {
        let i = at;
        const ind = indoor(g);
        if (p.roof) out[i++] = ind;
        if (p.weather) {
          out[i++] = ind === 1 ? 70 : num(g.context.temperature ?? g.context.temp);
          out[i++] = ind === 1 ? 0 : num(g.context.wind);
        }
      },
      update() {},
    };
  },
};
