import { AppError } from '../core/index.ts';
import { DEFAULT_FEATURE_SETS } from './sets.ts';
import type { FeatureSet } from './types.ts';

/** A set by name among the defaults, or the given set itself. @throws FEATURE_SET_UNKNOWN */
export function resolveFeatureSet(set: string | FeatureSet): FeatureSet {
  if (typeof set !== 'string') return set;
  const found = DEFAULT_FEATURE_SETS.get(set);
  if (!found) {
    throw new AppError('FEATURE_SET_UNKNOWN', `unknown feature set ${JSON.stringify(set)} (known: ${[...DEFAULT_FEATURE_SETS.keys()].join(', ')})`, {
      details: { name: set, known: [...DEFAULT_FEATURE_SETS.keys()] },
    });
  }
  return found;
}

/** The default feature sets, in definition order. */
export function listFeatureSets(): FeatureSet[] {
  return [...DEFAULT_FEATURE_SETS.values()];
}
