import { AppError } from '../../core/index.ts';
import type { FamilyName, OddsKind, OddsMarket, PlayedGame, PreGame } from '../types.ts';

/** What a family needs loaded from history besides games and results. */
export interface FamilyNeeds {
  /** Odds of these markets from these bookmakers (pre-kickoff quotes and past games' closing). */
  readonly odds?: { readonly markets: readonly OddsMarket[]; readonly bookmakers: readonly string[] };
  /** Starting players (game_players, role 'starting_qb'). */
  readonly starters?: boolean;
  /** games.context jsonb. */
  readonly context?: boolean;
  /** results.stats jsonb. */
  readonly stats?: boolean;
}

export interface ColumnSpec {
  readonly name: string;
  readonly fill: number;
  readonly description: string;
  /** A missing-value indicator: 1 when the family's input is missing for the row, else 0. */
  readonly missingFlag?: boolean;
}

/**
 * What history must hold for a family's columns to be more than their fills, checked per
 * competition before a set is offered for training (features/availability.ts). `label` says it
 * in words for the "not available" message.
 */
export type FamilyInput =
  | {
      readonly kind: 'odds';
      readonly market: OddsMarket;
      /** Any of these (bookmaker, kind) pairs will do. */
      readonly sources: readonly { readonly bookmaker: string; readonly kind: OddsKind }[];
      /** Only quotes a row may see before kickoff count (not closing, captured before kickoff). */
      readonly preKickoff: boolean;
      /** Lead-time families: only quotes with a known capture time at least this many ms before kickoff count. */
      readonly leadMs?: number;
      readonly label: string;
    }
  | { readonly kind: 'stat'; readonly key: string; readonly label: string }
  | { readonly kind: 'starters'; readonly label: string }
  | { readonly kind: 'context'; readonly key: string; readonly label: string };

/**
 * A family instantiated with normalised params. State is plain JSON data (objects keyed by
 * team id, numbers, arrays): the engine snapshots it with JSON and the snapshot round-trips
 * doubles exactly, so an incremental build continues bit-for-bit where a full build would be.
 */
export interface FamilyRuntime<S = unknown> {
  readonly columns: readonly ColumnSpec[];
  readonly needs: FamilyNeeds;
  /** Inputs beyond final games and their scores (none for Elo, form, schedule, margin). */
  readonly inputs?: readonly FamilyInput[];
  init(): S;
  /** Writes this family's values for `g` into `out` from `at`; must not change `state`. */
  emit(state: S, g: PreGame, out: (number | null)[], at: number): void;
  /** Learns from a finished game, after every row at its kickoff has been emitted. */
  update(state: S, g: PlayedGame): void;
}

export type ParamSpec =
  | { readonly type: 'number'; readonly default: number; readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly doc: string }
  | { readonly type: 'boolean'; readonly default: boolean; readonly doc: string }
  | { readonly type: 'string'; readonly default: string; readonly pattern?: RegExp; readonly doc: string }
  | { readonly type: 'enum'; readonly default: string; readonly values: readonly string[]; readonly doc: string }
  | { readonly type: 'string[]'; readonly default: readonly string[]; readonly values?: readonly string[]; readonly pattern?: RegExp; readonly doc: string }
  | { readonly type: 'number[]'; readonly default: readonly number[]; readonly min?: number; readonly max?: number; readonly doc: string };

export interface FamilyDefinition {
  readonly name: FamilyName;
  readonly summary: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Builds the runtime from params already normalised by `normaliseParams`. */
  create(params: Readonly<Record<string, unknown>>): FamilyRuntime;
}

function invalid(where: string, message: string): AppError {
  return new AppError('FEATURE_SET_INVALID', `${where}: ${message}`, { details: { path: where } });
}

/**
 * Validates `raw` against the family's param specs and fills defaults. Unknown params and
 * values of the wrong type or range throw FEATURE_SET_INVALID naming the path.
 */
export function normaliseParams(family: FamilyDefinition, raw: unknown, where: string): Record<string, unknown> {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) throw invalid(where, 'params must be an object');
  const given = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in family.params)) throw invalid(`${where}.${key}`, `unknown param for family ${family.name} (known: ${Object.keys(family.params).join(', ')})`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(family.params)) {
    const path = `${where}.${key}`;
    const v = given[key] === undefined ? spec.default : given[key];
    switch (spec.type) {
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(path, 'expected a finite number');
        if (spec.integer && !Number.isInteger(v)) throw invalid(path, 'expected a whole number');
        if (spec.min !== undefined && v < spec.min) throw invalid(path, `expected >= ${spec.min}`);
        if (spec.max !== undefined && v > spec.max) throw invalid(path, `expected <= ${spec.max}`);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') throw invalid(path, 'expected a boolean');
        break;
      case 'string':
        if (typeof v !== 'string' || (spec.pattern && !spec.pattern.test(v))) throw invalid(path, `expected a string${spec.pattern ? ` matching ${spec.pattern}` : ''}`);
        break;
      case 'enum':
        if (typeof v !== 'string' || !spec.values.includes(v)) throw invalid(path, `expected one of ${spec.values.join(', ')}`);
        break;
      case 'string[]':
        if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || (spec.values && !spec.values.includes(s)) || (spec.pattern && !spec.pattern.test(s)))) {
          throw invalid(path, `expected a non-empty array of strings${spec.values ? ` from ${spec.values.join(', ')}` : ''}`);
        }
        break;
      case 'number[]':
        if (!Array.isArray(v) || v.some((n) => typeof n !== 'number' || !Number.isFinite(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))) {
          throw invalid(path, 'expected an array of numbers in range');
        }
        break;
    }
    out[key] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

export const PREFIX_PARAM = (fallback: string): ParamSpec => ({
  type: 'string',
  default: fallback,
  pattern: /^[a-z][a-z0-9_]{0,23}$/,
  doc: 'prefix of this family\'s column names (lets one set use a family twice)',
});

/**
 * Days since 1970-01-01 of a 'YYYY-MM-DD' date (differences of two are days between them).
 * Digits are read by hand for the plain form (Date.parse of a concatenated string was ~1 µs a
 * call and the first cost of an online row, session 31); anything else goes through Date.parse,
 * as before, so the values are the same (tests/features/day-number.test.ts).
 */
export function dayNumber(date: string): number {
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const y = digits(date, 0, 4);
    const m = digits(date, 5, 7);
    const d = digits(date, 8, 10);
    if (y >= 100 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)) return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
  }
  return Math.round(Date.parse(date + 'T00:00:00Z') / 86_400_000);
}

/** The decimal number in `s[from..to)`, or −1 when a character is not a digit. */
function digits(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

export const DAY_MS = 86_400_000;

/** Logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
