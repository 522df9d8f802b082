import { AppError } from '../../src/shared/errors.ts';

function invalid(message: string, details?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { details });
}

/**
 * American moneyline to decimal odds: 1 + ml/100 when ml > 0, else 1 + 100/|ml|.
 * Throws VALIDATION_FAILED unless |ml| ≥ 100 (lines between −100 and +100 do not exist).
 */
export function americanToDecimal(moneyline: number): number {
  if (!Number.isFinite(moneyline) || Math.abs(moneyline) < 100) throw invalid(`not an American moneyline: ${moneyline}`, { moneyline });
  return moneyline > 0 ? 1 + moneyline / 100 : 1 + 100 / Math.abs(moneyline);
}

function checkOdds(odds: ArrayLike<number>): void {
  if (odds.length < 2) throw invalid('need the prices of at least two outcomes');
  for (let i = 0; i < odds.length; i++) {
    if (!Number.isFinite(odds[i]!) || odds[i]! <= 1) throw invalid(`decimal odds must be finite and > 1, got ${odds[i]}`, { index: i });
  }
}

/** Bookmaker margin of one market: Σ 1/odds − 1 (0.05 = 5 %). Throws VALIDATION_FAILED for odds ≤ 1. */
export function overround(odds: ArrayLike<number>): number {
  checkOdds(odds);
  let sum = 0;
  for (let i = 0; i < odds.length; i++) sum += 1 / odds[i]!;
  return sum - 1;
}

/**
 * Market probabilities by proportional de-vig: (1/odds_i) / Σ_j (1/odds_j), summing to 1.
 * Throws VALIDATION_FAILED for odds ≤ 1 or fewer than two outcomes.
 */
export function devig(odds: ArrayLike<number>): number[] {
  checkOdds(odds);
  let sum = 0;
  for (let i = 0; i < odds.length; i++) sum += 1 / odds[i]!;
  return Array.from(odds, (o) => 1 / o / sum);
}
