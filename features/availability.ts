import { type Db, AppError } from '../core/index.ts';
import { finalGameCoverage, hasContextKey, hasOddsQuote, hasResultStat, hasStarters } from '../history/index.ts';
import { compileSet } from './engine.ts';
import type { FamilyInput } from './families/index.ts';
import { resolveFeatureSet } from './registry.ts';
import type { FamilyName, FeatureSet, Sport } from './types.ts';

/** An input a family of the set needs and history does not hold. */
export interface MissingInput {
  family: FamilyName;
  /** The set's columns that would hold nothing but their fills. */
  columns: string[];
  needs: string;
  /** What history does hold instead, when that explains it (closing-only odds). */
  note?: string;
}

export interface FeatureSetAvailability {
  featureSet: string;
  sport: Sport;
  /** The competitions asked about; null = every competition of the sport. */
  competitions: string[] | null;
  finalGames: number;
  /** True when history holds every input the set reads, so each column can be trained. */
  available: boolean;
  missing: MissingInput[];
  /** Why the set is not available, in one sentence; null when it is. */
  reason: string | null;
}

async function holds(db: Db, sport: Sport, competitions: string[] | null, input: FamilyInput): Promise<{ ok: boolean; note?: string }> {
  const scope = { sport, competitions };
  switch (input.kind) {
    case 'odds': {
      if (await hasOddsQuote(db, scope, input.market, input.sources, input.preKickoff, input.leadMs ?? null)) return { ok: true };
      if (!input.preKickoff) return { ok: false };
      // Pre-kickoff odds are absent: say so when the same books only have closing lines.
      const books = [...new Set(input.sources.map((s) => s.bookmaker))];
      const closing = await hasOddsQuote(db, scope, input.market, books.map((bookmaker) => ({ bookmaker, kind: 'closing' })), false);
      return { ok: false, ...(closing ? { note: `history holds only closing ${input.market} quotes from ${books.join(' / ')}, which never reach a row before kickoff` } : {}) };
    }
    case 'stat':
      return { ok: await hasResultStat(db, scope, input.key) };
    case 'starters':
      return { ok: await hasStarters(db, scope) };
    case 'context':
      return { ok: await hasContextKey(db, scope, input.key) };
  }
}

/**
 * Whether history holds what a feature set reads, for its sport's final games (in `competitions`
 * when given): final games at all, and each family's inputs (pre-kickoff odds for `market`, past
 * odds for `market_rating`, statistics, starters, context keys). A set without them would train
 * columns that hold only their fills — weights a live value would then meet untrained.
 * @param options.strict with false (listing sets of every sport), codes of other sports are left
 *   out, and a set none of whose sport's competitions was asked about is not available.
 * @throws COMPETITION_UNKNOWN (strict, the default) for a code the sport has no competition of; FEATURE_SET_UNKNOWN.
 */
export async function featureSetAvailability(db: Db, setOrName: string | FeatureSet, options: { competitions?: readonly string[]; strict?: boolean } = {}): Promise<FeatureSetAvailability> {
  const set = resolveFeatureSet(setOrName);
  const asked = options.competitions?.length ? [...options.competitions] : null;
  const coverage = await finalGameCoverage(db, { sport: set.sport, competitions: asked });
  const g = { final_games: coverage.finalGames, unknown: coverage.unknownCompetitions };
  if (g.unknown.length && options.strict !== false) {
    throw new AppError('COMPETITION_UNKNOWN', `no ${set.sport} competition ${g.unknown.join(', ')}`, { details: { competitions: g.unknown, sport: set.sport } });
  }
  const competitions = asked && asked.filter((c) => !g.unknown.includes(c));
  if (asked && !competitions!.length) {
    return { featureSet: set.name, sport: set.sport, competitions: asked, finalGames: 0, available: false, missing: [], reason: `${set.name} is a ${set.sport} set and none of ${asked.join(', ')} is a ${set.sport} competition` };
  }
  const where = competitions ? `${set.sport} in ${competitions.join(', ')}` : set.sport;
  const base = { featureSet: set.name, sport: set.sport, competitions, finalGames: g.final_games };
  if (g.final_games === 0) {
    return { ...base, available: false, missing: [], reason: `${set.name} is not available for ${where}: history holds no finished game` };
  }
  const c = compileSet(set);
  const missing: MissingInput[] = [];
  for (let i = 0; i < c.runtimes.length; i++) {
    const r = c.runtimes[i]!;
    for (const input of r.inputs ?? []) {
      const held = await holds(db, set.sport, competitions, input);
      if (!held.ok) missing.push({ family: set.features[i]!.family, columns: r.columns.map((col) => col.name), needs: input.label, ...(held.note ? { note: held.note } : {}) });
    }
  }
  const reason = missing.length
    ? `${set.name} is not available for ${where}: ` +
      missing.map((m) => `its ${m.family} columns (${m.columns.join(', ')}) need ${m.needs}, and no finished game of ${g.final_games} has any${m.note ? ` (${m.note})` : ''}`).join('; ')
    : null;
  return { ...base, available: missing.length === 0, missing, reason };
}

/**
 * Refuses a feature set whose inputs history does not hold (training validation).
 * @throws FEATURE_SET_UNAVAILABLE (400) with the reason and `details.missing`; COMPETITION_UNKNOWN.
 */
export async function assertFeatureSetAvailable(db: Db, setOrName: string | FeatureSet, competitions?: readonly string[]): Promise<FeatureSetAvailability> {
  const a = await featureSetAvailability(db, setOrName, { competitions });
  if (!a.available) {
    throw new AppError('FEATURE_SET_UNAVAILABLE', a.reason!, { details: { featureSet: a.featureSet, competitions: a.competitions, finalGames: a.finalGames, missing: a.missing } });
  }
  return a;
}
