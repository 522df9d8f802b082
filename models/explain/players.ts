import { AppError } from '../../core/index.ts';
import type { Player } from './types.ts';

/**
 * Builds the players of the game: each group becomes one player, every feature not in a
 * group is its own player. Players are ordered by their smallest feature index so the order
 * is stable whatever order the groups are given in.
 *
 * @throws AppError MODEL_INPUT_INVALID when a group is empty, repeats a feature, overlaps
 *   another group or names a feature index outside `[0, nFeatures)`.
 */
export function buildPlayers(
  nFeatures: number,
  groups: readonly (readonly number[])[] = [],
  groupNames?: readonly string[],
  featureNames?: readonly string[],
): Player[] {
  const owner = new Int32Array(nFeatures).fill(-1);
  groups.forEach((group, g) => {
    if (group.length === 0) {
      throw new AppError('MODEL_INPUT_INVALID', `feature group ${g} is empty`, { details: { group: g } });
    }
    for (const f of group) {
      if (!Number.isInteger(f) || f < 0 || f >= nFeatures) {
        throw new AppError('MODEL_INPUT_INVALID', `feature group ${g} names feature ${f}, outside [0, ${nFeatures})`, {
          details: { group: g, feature: f },
        });
      }
      if (owner[f] !== -1) {
        throw new AppError('MODEL_INPUT_INVALID', `feature ${f} appears in more than one group`, {
          details: { feature: f, groups: [owner[f], g] },
        });
      }
      owner[f] = g;
    }
  });
  const players: Player[] = [];
  const featureName = (f: number): string => featureNames?.[f] ?? `f${f}`;
  groups.forEach((group, g) => {
    players.push({ name: groupNames?.[g] ?? `group${g}`, featureIndices: [...group].sort((x, y) => x - y) });
  });
  for (let f = 0; f < nFeatures; f++) {
    if (owner[f] === -1) players.push({ name: featureName(f), featureIndices: [f] });
  }
  players.sort((p, q) => p.featureIndices[0] - q.featureIndices[0]);
  return players;
}

/** Maps each feature to the index of the player that owns it. */
export function playerOfFeature(players: readonly Player[], nFeatures: number): Int32Array {
  const of = new Int32Array(nFeatures);
  players.forEach((p, i) => {
    for (const f of p.featureIndices) of[f] = i;
  });
  return of;
}
