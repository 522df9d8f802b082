import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_POLICY, HTTP_STATUS_BY_CODE } from '../../src/error-policy.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every error code with its HTTP status, and no code that does not exist', () => {
    const section = README.split(/^## Error codes$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, 'README has an "## Error codes" section');
    const documented = new Map<string, number>();
    for (const m of section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) documented.set(m[1]!, Number(m[2]));
    assert.deepEqual(Object.fromEntries([...documented].sort()), Object.fromEntries(Object.entries(HTTP_STATUS_BY_CODE).sort()));
  });

  it("documents every code's retry policy as the edge's table sets it", () => {
    const section = README.split(/^## Error codes$/m)[1]!.split(/^## /m)[0]!;
    const retried = new Map<string, boolean>();
    for (const m of section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*\d{3}\s*\|\s*(yes|no)\s*\|/gm)) retried.set(m[1]!, m[2] === 'yes');
    assert.deepEqual(Object.fromEntries([...retried].sort()), Object.fromEntries(Object.entries(ERROR_POLICY).map(([code, p]) => [code, p.retry]).sort()));
  });
});
