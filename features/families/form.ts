import type { PlayedGame } from '../types.ts';
import { PREFIX_PARAM, type FamilyDefinition, type FamilyRuntime } from './family.ts';

/** Per team, the most recent games first: [points, goal difference, 1 if at home]. */
interface FormState {
  recent: Record<string, Array<[number, number, number]>>;
}

export const formFamily: FamilyDefinition = {
  name: 'form',
  summary: 'Recent form: mean points and mean goal (point) difference over each team\'s last N games, optionally only home games for the home side and away games for the away side.',
  params: {
    prefix: PREFIX_PARAM('form'),
    n: { type: 'number', default: 5, min: 1, max: 50, integer: true, doc: 'games in the window' },
    split: { type: 'enum', default: 'all', values: ['all', 'venue'], doc: "'venue': home side's home games and away side's away games only" },
    points: { type: 'enum', default: '3-1-0', values: ['3-1-0', 'win'], doc: "'3-1-0' soccer points; 'win' 1/0.5/0 (two-way sports)" },
    marginCap: { type: 'number', default: 5, min: 1, max: 200, doc: 'per-game margins are clipped to ±marginCap' },
    fillPoints: { type: 'number', default: 1.35, min: 0, max: 3, doc: 'training fill for points per game when a team has no games in the window' },
  },
  create(p): FamilyRuntime<FormState> {
    const prefix = p.prefix as string;
    const n = p.n as number;
    const venue = p.split === 'venue';
    const three = p.points === '3-1-0';
    const cap = p.marginCap as number;
    const keep = venue ? n * 4 : n;
    const summarise = (list: Array<[number, number, number]> | undefined, home: number): [number | null, number | null] => {
      if (!list) return [null, null];
      let pts = 0;
      let gd = 0;
      let c = 0;
      for (const item of list) {
        if (venue && item[2] !== home) continue;
        pts += item[0];
        gd += item[1];
        if (++c === n) break;
      }
      return c === 0 ? [null, null] : [pts / c, gd / c];
    };
    const push = (s: FormState, team: number, item: [number, number, number]) => {
      const list = (s.recent[team] ??= []);
      list.unshift(item);
      if (list.length > keep) list.length = keep;
    };
    return {
      columns: [
        { name: `${prefix}_home_pts`, fill: p.fillPoints as number, description: `home side mean points over its last ${n}${venue ? ' home' : ''} games; null (fill ${String(p.fillPoints)}) without games` },
        { name: `${prefix}_away_pts`, fill: p.fillPoints as number, description: `away side mean points over its last ${n}${venue ? ' away' : ''} games; null (fill ${String(p.fillPoints)}) without games` },
        { name: `${prefix}_home_gd`, fill: 0, description: 'home side mean capped margin over the same games; null (fill 0) without games' },
        { name: `${prefix}_away_gd`, fill: 0, description: 'away side mean capped margin over the same games; null (fill 0) without games' },
      ],
      needs: {},
      init: () => ({ recent: {} }),
      emit(s, g, out, at) {
        const [hp, hg] = summarise(s.recent[g.homeId], 1);
        const [ap, ag] = summarise(s.recent[g.awayId], 0);
        out[at] = hp;
        out[at + 1] = ap;
        out[at + 2] = hg;
        out[at + 3] = ag;
      },
      update(s, g: PlayedGame) {
        const m = Math.max(-cap, Math.min(cap, g.result.homeScore - g.result.awayScore));
        const o = g.result.outcome;
        const ptsHome = o === 'home' ? (three ? 3 : 1) : o === 'draw' ? (three ? 1 : 0.5) : 0;
        const ptsAway = o === 'away' ? (three ? 3 : 1) : o === 'draw' ? (three ? 1 : 0.5) : 0;
        push(s, g.homeId, [ptsHome, m, 1]);
        push(s, g.awayId, [ptsAway, -m, 0]);
      },
    };
  },
};
