import { AppError, createRandomStream } from '../../core/index.ts';

export interface PairedBootstrap {
  /** Mean of the per-game differences (b − a). */
  mean: number;
  /** Percentile interval of the resampled means at `level`. */
  lower: number;
  upper: number;
  level: number;
  /** Share of resamples whose mean difference is below zero (b scores lower than a on a lower-is-better score). */
  shareBelowZero: number;
  resamples: number;
  n: number;
}

/**
 * Paired bootstrap over games: resamples the games (with replacement) `resamples` times and
 * reports the mean per-game difference with a percentile interval. Pairing (the same games for
 * both sides) removes the game-to-game variance both predictors share, which is most of it.
 * @param differences per-game score of b minus score of a
 * @throws VALIDATION_FAILED for no games, resamples < 100 or a level outside (0, 1)
 */
export function pairedBootstrap(differences: ArrayLike<number>, options: { resamples?: number; level?: number; seed?: number } = {}): PairedBootstrap {
  const n = differences.length;
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  if (n === 0) throw new AppError('VALIDATION_FAILED', 'a paired bootstrap needs at least one game both sides scored');
  if (!Number.isInteger(resamples) || resamples < 100) throw new AppError('VALIDATION_FAILED', 'resamples must be a whole number ≥ 100', { details: { resamples } });
  if (!(level > 0 && level < 1)) throw new AppError('VALIDATION_FAILED', 'level must be in (0, 1)', { details: { level } });
  let total = 0;
  for (let i = 0; i < n; i++) total += differences[i]!;
  const random = createRandomStream(options.seed ?? 1);
  const means = new Float64Array(resamples);
  let below = 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random() * n)]!;
    means[r] = sum / n;
    if (means[r]! < 0) below++;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return { mean: total / n, lower: at((1 - level) / 2), upper: at(1 - (1 - level) / 2), level, shareBelowZero: below / resamples, resamples, n };
}
