import type { PlayedGame, PreGame } from '../types.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';

interface QbState {
  /** Per team: previous starter (player id or null), margin rating, season of last game. */
  teams: Record<string, { last: number | null; m: number; season: number }>;
  /** Per player: career starts seen, residual value (points). */
  qbs: Record<string, { starts: number; value: number }>;
  hfa: number;
}

export const qbFamily: FamilyDefinition = {
  name: 'qb',
  summary: 'Starting quarterback (game_players role starting_qb, known before kickoff): change from the previous starter, career starts, and a residual value (exponentially weighted margin above the team\'s own margin rating when he starts).',
  params: {
    prefix: PREFIX_PARAM('qb'),
    rate: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'weight of the newest game in a quarterback\'s residual value' },
    teamRate: { type: 'number', default: 0.05, min: 0, max: 1, doc: 'step of the team margin rating the residual is measured against' },
    newQbValue: { type: 'number', default: -3, min: -30, max: 30, doc: 'value (points) of a quarterback with no starts yet' },
    cap: { type: 'number', default: 21, min: 1, max: 100, doc: 'margins clipped to ±cap' },
    regression: { type: 'number', default: 0.33, min: 0, max: 1, doc: 'team margin rating pulled toward 0 at a new season' },
    hfa: { type: 'number', default: 2.5, min: -20, max: 20, doc: 'home advantage (points) in the residual' },
  },
  create(p): FamilyRuntime<QbState> {
    const prefix = p.prefix as string;
    const rate = p.rate as number;
    const teamRate = p.teamRate as number;
    const newQb = p.newQbValue as number;
    const cap = p.cap as number;
    const regression = p.regression as number;
    const value = (s: QbState, id: number | null) => (id === null ? null : s.qbs[id]?.value ?? newQb);
    const teamView = (s: QbState, team: number, season: number) => {
      const t = s.teams[team];
      if (!t) return { last: null, m: 0 };
      return { last: t.last, m: t.season === season ? t.m : t.m * (1 - regression) };
    };
    const delta = (s: QbState, team: number, starter: number | null, season: number) => {
      const last = teamView(s, team, season).last;
      if (starter === null || last === null || starter === last) return 0;
      return value(s, starter)! - value(s, last)!;
    };
    return {
      columns: [
        { name: `${prefix}_home_change`, fill: 0, description: 'home starter differs from its previous starter (1/0); null (fill 0) when the starter is unknown; 0 at a team\'s first game' },
        { name: `${prefix}_away_change`, fill: 0, description: 'away starter differs from its previous starter (1/0); null (fill 0) when unknown' },
        { name: `${prefix}_home_starts`, fill: 3, description: 'ln(1 + career starts) of the home starter; null (fill 3 ≈ 19 starts) when unknown' },
        { name: `${prefix}_away_starts`, fill: 3, description: 'ln(1 + career starts) of the away starter; null (fill 3) when unknown' },
        { name: `${prefix}_value_delta`, fill: 0, description: '(home starter value − home previous starter value) − (same for away), points; 0 without a change or when unknown' },
      ],
      needs: { starters: true },
      inputs: [{ kind: 'starters', label: 'starting quarterbacks of finished games (game_players, role starting_qb)' }],
      init: () => ({ teams: {}, qbs: {}, hfa: p.hfa as number }),
      emit(s, g: PreGame, out, at) {
        const hl = teamView(s, g.homeId, g.seasonYear).last;
        const al = teamView(s, g.awayId, g.seasonYear).last;
        out[at] = g.homeStarter === null ? null : hl === null ? 0 : g.homeStarter !== hl ? 1 : 0;
        out[at + 1] = g.awayStarter === null ? null : al === null ? 0 : g.awayStarter !== al ? 1 : 0;
        out[at + 2] = g.homeStarter === null ? null : Math.log1p(s.qbs[g.homeStarter]?.starts ?? 0);
        out[at + 3] = g.awayStarter === null ? null : Math.log1p(s.qbs[g.awayStarter]?.starts ?? 0);
        out[at + 4] = delta(s, g.homeId, g.homeStarter, g.seasonYear) - delta(s, g.awayId, g.awayStarter, g.seasonYear);
      },
      update(s, g: PlayedGame) {
        const h = teamView(s, g.homeId, g.seasonYear);
        const a = teamView(s, g.awayId, g.seasonYear);
        const residual = clamp(g.result.homeScore - g.result.awayScore, -cap, cap) - (h.m - a.m + (g.neutral ? 0 : s.hfa));
        for (const [starter, r] of [[g.homeStarter, residual], [g.awayStarter, -residual]] as const) {
          if (starter === null) continue;
          const q = (s.qbs[starter] ??= { starts: 0, value: newQb });
          q.value += rate * (r - q.value);
          q.starts++;
        }
        s.teams[g.homeId] = { last: g.homeStarter ?? h.last, m: h.m + teamRate * residual, season: g.seasonYear };
        s.teams[g.awayId] = { last: g.awayStarter ?? a.last, m: a.m - teamRate * residual, season: g.seasonYear };
      },
    };
  },
};
