import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../core/errors.ts';
import { parseModelRef, formatModelRef } from '../../src/services/index.ts';

const refused = (pattern: RegExp) => (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED' && pattern.test(e.message);

describe('parseModelRef: the one reader of version selectors', () => {
  it('reads name, name@alias and name@number', () => {
    assert.deepEqual(parseModelRef({ model: 'soccer' }), { model: 'soccer', selector: { alias: 'champion' } });
    assert.deepEqual(parseModelRef({ model: 'soccer@challenger' }), { model: 'soccer', selector: { alias: 'challenger' } });
    assert.deepEqual(parseModelRef({ model: 'soccer-1x2.mlp@3' }), { model: 'soccer-1x2.mlp', selector: { version: 3 } });
  });

  it('reads the spellings the edges receive apart: ?alias=, ?version=, --version text, a path segment', () => {
    assert.deepEqual(parseModelRef({ model: 'm', alias: 'challenger' }), { model: 'm', selector: { alias: 'challenger' } });
    assert.deepEqual(parseModelRef({ model: 'm', version: 2 }), { model: 'm', selector: { version: 2 } });
    assert.deepEqual(parseModelRef({ model: 'm', version: '12' }), { model: 'm', selector: { version: 12 } });
    assert.deepEqual(parseModelRef({ model: 'm', ref: '7' }), { model: 'm', selector: { version: 7 } });
    assert.deepEqual(parseModelRef({ model: 'm', ref: 'champion' }), { model: 'm', selector: { alias: 'champion' } });
  });

  it('refuses two ways of choosing at once, naming both', () => {
    assert.throws(() => parseModelRef({ model: 'm', alias: 'champion', version: 2 }), refused(/alias "champion" and version 2/));
    assert.throws(() => parseModelRef({ model: 'm@3', version: 2 }), refused(/@3 and version 2/));
    assert.throws(() => parseModelRef({ model: 'm@challenger', ref: '4' }), refused(/@challenger and version segment "4"/));
  });

  it('refuses a malformed reference or version', () => {
    assert.throws(() => parseModelRef({ model: 'm', version: 'two' }), refused(/whole number, got "two"/));
    assert.throws(() => parseModelRef({ model: 'm', version: '1.5' }), refused(/whole number/));
    assert.throws(() => parseModelRef({ model: '@3' }), refused(/no model name/));
    assert.throws(() => parseModelRef({ model: 'm@' }), refused(/nothing after "@"/));
  });

  it('writes a reference back the way it is read', () => {
    for (const text of ['m@champion', 'm@4', 'm@challenger']) assert.equal(formatModelRef(parseModelRef({ model: text })), text);
    assert.equal(formatModelRef(parseModelRef({ model: 'm' })), 'm@champion');
  });
});
