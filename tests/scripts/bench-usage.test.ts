import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usageOf } from '../../bench/usage.ts';

// Every bench script an operator runs (helpers and type shims aside).
const scripts = readdirSync('bench').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !['admin.ts', 'served-model.ts', 'usage.ts'].includes(f));

describe('bench scripts answer --help without running', () => {
  it('usageOf strips a header comment to its text', () => {
    expect(usageOf('/**\n * Times a thing.\n *\n *   node x.ts [--json]\n */\nimport x from "y";')).toBe('Times a thing.\n\n  node x.ts [--json]');
    expect(usageOf('const x = 1;')).toBe('');
  });

  for (const script of scripts) {
    it(`${script} --help prints its usage and exits 0, touching no database`, () => {
      // An unreachable database: a script that ran its benchmark instead of printing help fails here.
      const env = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };
      const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}`, '--help'], { encoding: 'utf8', env, timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(80);
      expect(run.stdout).not.toContain('/**');
    });
  }
});
