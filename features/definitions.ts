import { createHash } from 'node:crypto';
import { AppError } from '../core/index.ts';
import { FAMILIES, OWN_MARKET_FAMILIES } from './families/index.ts';
import { normaliseParams } from './families/family.ts';
import { SPORTS, type FamilyName, type FeatureColumn, type FeatureSet, type FeatureSetDefinition } from './types.ts';

/**
 * Bumped when engine or family code changes what a given definition computes, so every
 * stored row of an older engine is a different version and never mixes with new rows.
 */
export const ENGINE_VERSION = 1;

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const obj = value as Record<string, unknown>;
  return '{' + Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

function invalid(path: string, message: string): AppError {
  return new AppError('FEATURE_SET_INVALID', `${path}: ${message}`, { details: { path } });
}

/**
 * Validates a definition, fills every family's defaulted params and returns it frozen with its
 * content hash (sha256 of the canonical JSON of the normalised definition and ENGINE_VERSION).
 * Changing any parameter, or a default, gives a new version.
 * @throws AppError FEATURE_SET_INVALID naming the offending path.
 */
export function defineFeatureSet(def: FeatureSetDefinition): FeatureSet {
  if (!def || typeof def !== 'object') throw invalid('definition', 'expected an object');
  if (typeof def.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(def.name)) throw invalid('name', 'expected a kebab-case name');
  if (!SPORTS.includes(def.sport)) throw invalid('sport', `expected one of ${SPORTS.join(', ')}`);
  if (def.target !== '1x2' && def.target !== 'home_win') throw invalid('target', "expected '1x2' or 'home_win'");
  if (def.target === '1x2' && def.sport !== 'soccer') throw invalid('target', "'1x2' needs a sport with draws (soccer)");
  if (typeof def.usesMarket !== 'boolean') throw invalid('usesMarket', 'expected a boolean');
  if (!Array.isArray(def.features) || def.features.length === 0) throw invalid('features', 'expected a non-empty array');
  const allowed = new Set(['name', 'sport', 'target', 'usesMarket', 'description', 'features']);
  for (const key of Object.keys(def)) if (!allowed.has(key)) throw invalid(key, 'unknown field');

  const features = def.features.map((f, i) => {
    const path = `features[${i}]`;
    if (!f || typeof f !== 'object') throw invalid(path, 'expected { family, params }');
    for (const key of Object.keys(f)) if (key !== 'family' && key !== 'params') throw invalid(`${path}.${key}`, 'unknown field');
    const family = FAMILIES[f.family as FamilyName];
    if (!family) throw invalid(`${path}.family`, `unknown family ${JSON.stringify(f.family)} (known: ${Object.keys(FAMILIES).join(', ')})`);
    return { family: family.name, params: normaliseParams(family, f.params, `${path}.params`) };
  });
  const readsOwnMarket = features.some((f) => OWN_MARKET_FAMILIES.has(f.family));
  if (readsOwnMarket !== def.usesMarket) {
    throw invalid('usesMarket', readsOwnMarket ? 'the set has a market family, so usesMarket must be true' : 'no market family reads this game\'s odds, so usesMarket must be false');
  }

  const columns: FeatureColumn[] = [];
  for (const f of features) {
    for (const c of FAMILIES[f.family].create(f.params).columns) {
      columns.push({ name: c.name, family: f.family, fill: c.fill, description: c.description, ...(c.missingFlag ? { missingFlag: true } : {}) });
    }
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw invalid('features', `column ${c.name} appears twice; give one family a different prefix`);
    seen.add(c.name);
  }

  const body = { name: def.name, sport: def.sport, target: def.target, usesMarket: def.usesMarket, features };
  const hash = createHash('sha256').update(canonicalJson({ engine: ENGINE_VERSION, ...body })).digest('hex');
  return deepFreeze({
    ...body,
    description: def.description ?? '',
    hash,
    version: hash.slice(0, 12),
    columns,
    featureNames: columns.map((c) => c.name),
  });
}
