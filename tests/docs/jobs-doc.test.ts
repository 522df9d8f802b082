import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { TrainParamsSchema, describeAllowed, LOGISTIC_DEFAULTS, MLP_DEFAULTS, type TrainParams } from '../../models/index.ts';

const DOC = readFileSync(new URL('../../docs/jobs.md', import.meta.url), 'utf8');

describe('docs/jobs.md', () => {
  it('documents every trainer parameter with the range and defaults the code enforces', () => {
    const documented = new Map<string, string[]>();
    for (const m of DOC.matchAll(/^\| `([a-zA-Z0-9]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|/gm)) documented.set(m[1]!, [m[2]!.trim(), m[3]!.trim(), m[4]!.trim()]);
    const properties = TrainParamsSchema.properties as Record<string, TSchema>;
    for (const [name, schema] of Object.entries(properties)) {
      const allowed = schema.type === 'array' ? `at most ${String(schema.maxItems)} × ${describeAllowed(schema.items as TSchema)}` : describeAllowed(schema);
      const key = name as keyof TrainParams;
      assert.deepEqual(documented.get(name), [allowed, JSON.stringify(LOGISTIC_DEFAULTS[key]), JSON.stringify(MLP_DEFAULTS[key])], name);
    }
  });
});
