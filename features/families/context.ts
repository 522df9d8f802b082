import { AppError } from '../../core/index.ts';
import type { PreGame } from '../types.ts';
import { PREFIX_PARAM, type ColumnSpec, type FamilyDefinition, type FamilyRuntime } from './family.ts';

function indoor(g: PreGame): number | null {
  const roof = typeof g.context.roof === 'string' ? g.context.roof.trim().toLowerCase() : '';
  if (roof === 'dome' || roof === 'closed') return 1;
  if (roof === 'outdoors' || roof === 'open') return 0;
  return null;
}

export const contextFamily: FamilyDefinition = {
  name: 'context',
  summary: 'Venue from games.context (NFL roof) where present; known before kickoff. Observed weather and closing lines are post-game facts (games.post_game) and never feed a row.',
  params: {
    prefix: PREFIX_PARAM('ctx'),
    roof: { type: 'boolean', default: true, doc: 'emit <prefix>_indoor: 1 dome/closed, 0 outdoors/open, null (fill 0) unknown' },
    weather: {
      type: 'boolean',
      default: false,
      doc: 'must stay false: the weather the sources record is observed at the game (games.post_game), and none gives a forecast known before kickoff',
    },
  },
  create(p): FamilyRuntime<Record<string, never>> {
    if (p.weather) {
      throw new AppError('FEATURE_SET_INVALID', 'context.weather: the weather in history is observed at the game, a post-game fact; no source gives a pre-kickoff forecast, so it cannot be a feature', {
        details: { path: 'params.weather' },
      });
    }
    const prefix = p.prefix as string;
    const columns: ColumnSpec[] = [];
    if (p.roof) columns.push({ name: `${prefix}_indoor`, fill: 0, description: '1 indoors (dome/closed roof), 0 outdoors; null (fill 0) unknown' });
    return {
      columns,
      needs: { context: true },
      inputs: p.roof ? [{ kind: 'context', key: 'roof', label: 'games.context roof of finished games' }] : [],
      init: () => ({}),
      emit(_s, g, out, at) {
        if (p.roof) out[at] = indoor(g);
      },
      update() {},
    };
  },
};
