import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HTTP_STATUS_BY_CODE } from '../../core/errors.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every error code with its HTTP status, and no code that does not exist', () => {
    const section = README.split(/^## Error codes$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, 'README has an "## Error codes" section');
    const documented = new Map<string, number>();
    for (const m of section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) documented.set(m[1]!, Number(m[2]));
    assert.deepEqual(Object.fromEntries([...documented].sort()), Object.fromEntries(Object.entries(HTTP_STATUS_BY_CODE).sort()));
  });
});
