import type { PlayedGame, PreGame } from '../types.ts';
import { PREFIX_PARAM, dayNumber, type ColumnSpec, type FamilyDefinition, type FamilyRuntime } from './family.ts';

interface ScheduleState {
  /** Per team: game day numbers (days since 1970-01-01 of game_date), most recent first. */
  days: Record<string, number[]>;
  /** Per team: [season start year, day number of its first game that season]. */
  seasonStart: Record<string, [number, number]>;
}

export const scheduleFamily: FamilyDefinition = {
  name: 'schedule',
  summary: 'Schedule load from game dates: rest days, back-to-backs, games in the last N days, neutral site and season stage.',
  params: {
    prefix: PREFIX_PARAM('sched'),
    maxRest: { type: 'number', default: 14, min: 1, max: 400, integer: true, doc: 'rest days are capped here; a team without a previous game gets null (fill maxRest)' },
    rest: { type: 'boolean', default: true, doc: 'emit <prefix>_home_rest/_away_rest: calendar days since the previous game (game_date difference)' },
    backToBack: { type: 'boolean', default: false, doc: 'emit <prefix>_home_b2b/_away_b2b: 1 when the previous game was the day before' },
    windows: { type: 'number[]', default: [], min: 1, max: 60, doc: 'for each W emit <prefix>_home_gW/_away_gW: games in the W days before game_date' },
    neutral: { type: 'boolean', default: false, doc: 'emit <prefix>_neutral (1 on a neutral site)' },
    stage: { type: 'boolean', default: false, doc: 'emit <prefix>_stage: days since the home side\'s first game of the season / seasonDays, capped at 1' },
    seasonDays: { type: 'number', default: 280, min: 1, max: 400, doc: 'season length used by stage' },
  },
  create(p): FamilyRuntime<ScheduleState> {
    const prefix = p.prefix as string;
    const maxRest = p.maxRest as number;
    const windows = p.windows as number[];
    const keepDays = Math.max(2, ...windows);
    const columns: ColumnSpec[] = [];
    if (p.rest) {
      columns.push({ name: `${prefix}_home_rest`, fill: maxRest, description: `home side days since its previous game, capped at ${maxRest}; null (fill ${maxRest}) without one` });
      columns.push({ name: `${prefix}_away_rest`, fill: maxRest, description: `away side days since its previous game, capped at ${maxRest}; null (fill ${maxRest}) without one` });
    }
    if (p.backToBack) {
      columns.push({ name: `${prefix}_home_b2b`, fill: 0, description: 'home side played the day before (1/0); 0 without a previous game' });
      columns.push({ name: `${prefix}_away_b2b`, fill: 0, description: 'away side played the day before (1/0); 0 without a previous game' });
    }
    for (const w of windows) {
      columns.push({ name: `${prefix}_home_g${w}`, fill: 0, description: `home side games in the ${w} days before this game` });
      columns.push({ name: `${prefix}_away_g${w}`, fill: 0, description: `away side games in the ${w} days before this game` });
    }
    if (p.neutral) columns.push({ name: `${prefix}_neutral`, fill: 0, description: '1 on a neutral site, else 0' });
    if (p.stage) columns.push({ name: `${prefix}_stage`, fill: 0, description: 'season stage 0..1 (days since the home side\'s first game of the season / seasonDays)' });

    const side = (s: ScheduleState, team: number, today: number) => {
      const list = s.days[team];
      const last = list?.[0];
      const rest = last === undefined ? null : Math.min(today - last, maxRest);
      const counts = windows.map((w) => (list ? list.filter((d) => d < today && d >= today - w).length : 0));
      return { rest, b2b: last !== undefined && today - last === 1 ? 1 : 0, counts };
    };
    return {
      columns,
      needs: {},
      init: () => ({ days: {}, seasonStart: {} }),
      emit(s, g: PreGame, out, at) {
        const today = dayNumber(g.gameDate);
        const h = side(s, g.homeId, today);
        const a = side(s, g.awayId, today);
        let i = at;
        if (p.rest) {
          out[i++] = h.rest;
          out[i++] = a.rest;
        }
        if (p.backToBack) {
          out[i++] = h.b2b;
          out[i++] = a.b2b;
        }
        for (let w = 0; w < windows.length; w++) {
          out[i++] = h.counts[w]!;
          out[i++] = a.counts[w]!;
        }
        if (p.neutral) out[i++] = g.neutral ? 1 : 0;
        if (p.stage) {
          const start = s.seasonStart[g.homeId];
          out[i++] = start && start[0] === g.seasonYear ? Math.min(1, (today - start[1]) / (p.seasonDays as number)) : 0;
        }
      },
      update(s, g: PlayedGame) {
        const today = dayNumber(g.gameDate);
        for (const team of [g.homeId, g.awayId]) {
          const list = (s.days[team] ??= []);
          list.unshift(today);
          while (list.length > 1 && today - list[list.length - 1]! > keepDays) list.pop();
          const start = s.seasonStart[team];
          if (!start || start[0] !== g.seasonYear) s.seasonStart[team] = [g.seasonYear, today];
        }
      },
    };
  },
};
