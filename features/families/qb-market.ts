import type { OddsMarket, PlayedGame, PreGame } from '../types.ts';
import { fairProbabilities } from '../odds.ts';
import { PREFIX_PARAM, clamp, type FamilyDefinition, type FamilyRuntime } from './family.ts';
import { parseSources, pastPriceSet } from './market-rating.ts';

interface QmState {
  /** Per team: market strength without its quarterback, previous starter, season of its last game. */
  teams: Record<string, { t: number; last: number | null; season: number; n: number }>;
  /** Per quarterback: market value (log-ratio scale) and starts seen with odds. */
  qbs: Record<string, { q: number; n: number }>;
  /** Per competition: home advantage on the log-ratio scale. */
  hfa: Record<string, number>;
}

/**
 * Why a second market rating for the NFL: `market_rating` folds the quarterback into the team, so
 * when a backup starts it still carries the regular starter's strength, and `qb` measures a starter
 * from final scores (a few noisy games). Here the market's own view of past games is split into a
 * team part and a starter part — the market already priced who started each earlier game — so a
 * change of starter moves the prediction by what the market made of each quarterback before.
 */
export const qbMarketFamily: FamilyDefinition = {
  name: 'qb_market',
  summary: 'Team and starting-quarterback strengths fitted online to earlier games\' de-vigged odds (ln(p_home/p_away), closing preferred): predicted = (team + starter)_home − (team + starter)_away + home advantage, with the starters of this game (known before kickoff). The current game\'s odds are never used.',
  params: {
    prefix: PREFIX_PARAM('qm'),
    market: { type: 'enum', default: 'moneyline', values: ['1x2', 'moneyline'], doc: 'market read from past games' },
    sources: {
      type: 'string[]',
      default: ['consensus:closing', 'consensus:preclosing', 'consensus:opening'],
      pattern: /^[a-z0-9_]+:(opening|preclosing|closing|snapshot)$/,
      doc: 'preference list of bookmaker:kind for the past game\'s price',
    },
    rate: { type: 'number', default: 0.3, min: 0, max: 1, doc: 'team step: each team moves rate · error' },
    qbRate: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'starter step: each starting quarterback moves qbRate · error' },
    newQbValue: { type: 'number', default: -0.8, min: -3, max: 3, doc: 'a quarterback first seen replacing a known starter starts at that starter\'s value plus this (log-ratio scale)' },
    hfa: { type: 'number', default: 0.3, min: -3, max: 3, doc: 'initial home advantage on the log-ratio scale' },
    hfaRate: { type: 'number', default: 0.005, min: 0, max: 1, doc: 'step of the per-competition home advantage' },
    regression: { type: 'number', default: 0.3, min: 0, max: 1, doc: 'team strength pulled toward 0 at a new season (starters keep theirs)' },
    maxAbs: { type: 'number', default: 6, min: 0.5, max: 20, doc: 'observed log-ratios are clipped to ±maxAbs' },
  },
  create(p): FamilyRuntime<QmState> {
    const prefix = p.prefix as string;
    const market = p.market as OddsMarket;
    const sources = parseSources(p.sources as string[]);
    const rate = p.rate as number;
    const qbRate = p.qbRate as number;
    const newQb = p.newQbValue as number;
    const hfa0 = p.hfa as number;
    const hfaRate = p.hfaRate as number;
    const regression = p.regression as number;
    const maxAbs = p.maxAbs as number;
    const team = (s: QmState, id: number, season: number) => {
      const t = s.teams[id];
      if (!t) return { t: 0, last: null, n: 0 };
      return { t: t.season === season ? t.t : t.t * (1 - regression), last: t.last, n: t.n };
    };
    // An unknown starter is taken to be the previous one (no change is the best guess).
    const starterOf = (starter: number | null, last: number | null) => starter ?? last;
    const known = (s: QmState, qb: number | null) => (qb === null ? 0 : s.qbs[qb]?.q ?? 0);
    // A starter first seen replacing a known one starts at that one's value plus newQbValue (a
    // backup is usually worse); a team's first starter seen with odds starts at 0 (the team is him).
    const value = (s: QmState, qb: number | null, last: number | null) =>
      qb === null ? 0 : s.qbs[qb] ? s.qbs[qb]!.q : last !== null && last !== qb ? known(s, last) + newQb : 0;
    const side = (s: QmState, id: number, starter: number | null, season: number) => {
      const t = team(s, id, season);
      const now = starterOf(starter, t.last);
      const v = value(s, now, t.last);
      // The change term: this starter against the team's previous one (0 without a change).
      const change = now === null || t.last === null || now === t.last ? 0 : v - known(s, t.last);
      return { t: t.t, n: t.n, qb: now, v, change };
    };
    const predict = (s: QmState, g: PreGame) => {
      const h = side(s, g.homeId, g.homeStarter, g.seasonYear);
      const a = side(s, g.awayId, g.awayStarter, g.seasonYear);
      const hfa = s.hfa[g.competitionId] ?? hfa0;
      return { h, a, hfa, diff: h.t + h.v - (a.t + a.v) + (g.neutral ? 0 : hfa) };
    };
    return {
      columns: [
        { name: `${prefix}_diff`, fill: 0, description: 'market-implied (team + starting quarterback) of home minus away plus home advantage, ln(p_home/p_away) scale, from past games only' },
        { name: `${prefix}_qb_delta`, fill: 0, description: 'part of the difference due to starter changes: (home starter − its previous starter) − (same away), market values; 0 without a change' },
        { name: `${prefix}_missing`, fill: 1, description: '1 when either team has no past game with odds, else 0', missingFlag: true },
      ],
      needs: { odds: { markets: [market], bookmakers: [...new Set(sources.map((s) => s.bookmaker))] }, starters: true },
      inputs: [
        { kind: 'odds', market, sources, preKickoff: false, label: `${market} odds of finished games from ${(p.sources as string[]).join(' / ')}` },
        { kind: 'starters', label: 'starting quarterbacks (game_players, role starting_qb)' },
      ],
      init: () => ({ teams: {}, qbs: {}, hfa: {} }),
      emit(s, g, out, at) {
        const r = predict(s, g);
        out[at] = r.diff;
        out[at + 1] = r.h.change - r.a.change;
        out[at + 2] = r.h.n > 0 && r.a.n > 0 ? 0 : 1;
      },
      update(s, g: PlayedGame) {
        const { h, a, hfa, diff } = predict(s, g);
        const chosen = pastPriceSet(g, market, sources);
        // Without odds the game teaches no strengths, but it still says who started last.
        const e = chosen ? clamp(Math.log(fairProbabilities(chosen).home / fairProbabilities(chosen).away), -maxAbs, maxAbs) - diff : 0;
        for (const [id, x, sign] of [[g.homeId, h, 1], [g.awayId, a, -1]] as const) {
          if (x.qb !== null && chosen) {
            const q = (s.qbs[x.qb] ??= { q: x.v, n: 0 });
            q.q += sign * qbRate * e;
            q.n++;
          }
          s.teams[id] = { t: x.t + (chosen ? sign * rate * e : 0), last: x.qb, season: g.seasonYear, n: x.n + (chosen ? 1 : 0) };
        }
        if (chosen && !g.neutral) s.hfa[g.competitionId] = hfa + hfaRate * e;
      },
    };
  },
};
