/** Field-level parsers shared by the importers; each returns null for "invalid". */
import { americanToDecimal } from '../../core/index.ts';

/** A non-negative whole score; `2.0` (re-saved files) is accepted, `2.5` and `-1` are not. */
export function parseScore(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const v = Number(t);
  if (!Number.isFinite(v) || v < 0 || !Number.isInteger(v) || v > 32_000) return null;
  return v;
}

/** A decimal price, valid only above 1.0. */
export function parseDecimalOdds(text: string): number | null {
  const v = Number(text.trim());
  if (!Number.isFinite(v) || v <= 1.0 || v > 10_000) return null;
  return v;
}

/**
 * An American moneyline cell as decimal odds (`core/odds.ts` converts): +150 -> 2.5,
 * -200 -> 1.5. Blank, junk and |m| below 100 (not a valid moneyline) are null.
 */
export function parseAmericanOdds(text: string): number | null {
  const t = text.trim();
  const v = Number(t);
  if (t === '' || !Number.isFinite(v) || Math.abs(v) < 100) return null;
  return americanToDecimal(v);
}

/** A finite number or null (blank and junk are null). */
export function parseNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '') return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/** A probability in [0, 1]. */
export function parseProbability(text: string | undefined): number | null {
  const v = parseNumber(text);
  return v !== null && v >= 0 && v <= 1 ? v : null;
}

export function outcomeOf(home: number, away: number): 'home' | 'draw' | 'away' {
  return home > away ? 'home' : home < away ? 'away' : 'draw';
}
