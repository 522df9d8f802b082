import { test } from 'vitest';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURE_SETS, FAMILIES, canonicalJson, defineFeatureSet, type FeatureSetDefinition } from '../../features/index.ts';
import { AppError } from '../../core/errors.ts';

const base: FeatureSetDefinition = {
  name: 'test-set',
  sport: 'soccer',
  target: '1x2',
  usesMarket: false,
  features: [{ family: 'elo', params: { k: 12, mov: 'goal_diff' } }, { family: 'form', params: { n: 5 } }],
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a throw');
}

test('canonical JSON sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
});

test('the hash is stable, ignores key order and description, and changes with any parameter', () => {
  const a = defineFeatureSet(base);
  const reordered = defineFeatureSet({ features: [{ params: { mov: 'goal_diff', k: 12 }, family: 'elo' }, { family: 'form', params: { n: 5 } }], usesMarket: false, target: '1x2', sport: 'soccer', name: 'test-set', description: 'other words' });
  assert.equal(a.hash, reordered.hash);
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  assert.equal(a.version, a.hash.slice(0, 12));
  const changed = defineFeatureSet({ ...base, features: [{ family: 'elo', params: { k: 13, mov: 'goal_diff' } }, base.features[1]!] });
  assert.notEqual(a.hash, changed.hash);
  // Spelling out a default is the same definition.
  const explicit = defineFeatureSet({ ...base, features: [{ family: 'elo', params: { k: 12, mov: 'goal_diff', initial: 1500 } }, base.features[1]!] });
  assert.equal(a.hash, explicit.hash);
});

test('a defined set is deeply frozen and lists its columns with fills', () => {
  const s = defineFeatureSet(base);
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.features) && Object.isFrozen(s.features[0]!.params) && Object.isFrozen(s.columns));
  assert.deepEqual(s.featureNames, ['elo_diff', 'form_home_pts', 'form_away_pts', 'form_home_gd', 'form_away_gd']);
  assert.equal(s.columns[1]!.fill, 1.35);
  assert.throws(() => {
    (s.features[0]!.params as Record<string, unknown>).k = 99;
  }, TypeError);
});

test('invalid definitions fail with FEATURE_SET_INVALID naming the problem', () => {
  assert.equal(code(() => defineFeatureSet({ ...base, name: 'Bad Name' })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, sport: 'cricket' as never })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, sport: 'nfl' })), 'FEATURE_SET_INVALID'); // 1x2 needs draws
  assert.equal(code(() => defineFeatureSet({ ...base, features: [{ family: 'nope' as never }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, features: [{ family: 'elo', params: { kk: 1 } }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, features: [{ family: 'elo', params: { k: -1 } }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, features: [{ family: 'elo', params: { mov: 'huge' } }] })), 'FEATURE_SET_INVALID');
  assert.equal(code(() => defineFeatureSet({ ...base, features: [{ family: 'elo' }, { family: 'elo' }] })), 'FEATURE_SET_INVALID'); // duplicate columns
  assert.equal(code(() => defineFeatureSet({ ...base, features: [{ family: 'market' }] })), 'FEATURE_SET_INVALID'); // usesMarket false
  assert.equal(code(() => defineFeatureSet({ ...base, usesMarket: true })), 'FEATURE_SET_INVALID');
  try {
    defineFeatureSet({ ...base, features: [{ family: 'elo', params: { k: 'x' } }] });
  } catch (error) {
    assert.match((error as Error).message, /features\[0\]\.params\.k/);
  }
});

test('the default sets exist, are valid and stay small enough for exact SHAP where it matters', () => {
  assert.deepEqual([...DEFAULT_FEATURE_SETS.keys()], ['soccer-1x2-base', 'soccer-1x2-market', 'soccer-1x2-live-market', 'nfl-base', 'nfl-market', 'nba-base', 'mlb-base']);
  for (const s of DEFAULT_FEATURE_SETS.values()) {
    assert.ok(s.featureNames.length <= 14, `${s.name} has ${s.featureNames.length} features`);
    assert.equal(new Set(s.featureNames).size, s.featureNames.length);
    assert.equal(s.usesMarket, s.name.endsWith('-market'));
  }
  for (const family of Object.values(FAMILIES)) {
    for (const [name, spec] of Object.entries(family.params)) assert.ok(spec.doc.length > 5, `${family.name}.${name} is documented`);
  }
});
