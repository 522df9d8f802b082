import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeSyntheticLeague } from '../../src/demo/synthetic-league.ts';
import { createPgliteDb, migrate } from '../../src/db/index.ts';
import { runImport, type ImportProgress } from '../../history/index.ts';
import { SYNTHETIC_AS_OF } from '../support/synthetic.ts';
import { BIN, embeddedEnv } from '../support/cli.ts';

const run = promisify(execFile);

describe('progress of long steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-progress-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Eight seasons of a 20-team league: 3,040 games, more than one write round of 2,500.
  const league = writeSyntheticLeague(join(dir, 'files'), { seasons: 8, asOf: SYNTHETIC_AS_OF });

  it('an import reports files read and parsed, then the games written round by round', async () => {
    const db = await createPgliteDb({ template: true });
    await migrate(db);
    const events: ImportProgress[] = [];
    const summary = await runImport(db, { source: 'football-data', paths: league.files, onProgress: (e) => events.push({ ...e }) });
    await db.close();
    const of = (phase: ImportProgress['phase']) => events.filter((e) => e.phase === phase);
    assert.equal(of('read').at(-1)?.done, league.files.length);
    assert.deepEqual(of('parse').map((e) => e.done), Array.from({ length: league.files.length + 1 }, (_, i) => i));
    const written = of('write');
    assert.ok(written.every((e) => e.total === summary.inserted), 'the write phase counts the games it writes');
    assert.deepEqual(written.map((e) => e.done), [0, 2500, summary.inserted]);
    assert.equal(events.at(-1)?.phase, 'done');
  });

  it('the CLI says when it creates a fresh embedded database, and draws a bar per phase when asked', async () => {
    const env = embeddedEnv(join(dir, 'home'), { SHARPLINE_PROGRESS: 'bars' });
    const imported = await run(process.execPath, [BIN, 'import', 'football-data', ...league.files, '--json'], { env });
    const { inserted } = JSON.parse(imported.stdout) as { inserted: number };
    assert.match(imported.stderr, /creating the embedded database in .*pgdata \(first start only/);
    assert.match(imported.stderr, /created the embedded database in \d+\.\d s/);
    for (const phase of ['reading files', 'parsing files']) assert.match(imported.stderr, new RegExp(`${phase} \\[#+\\] 100% ${league.files.length}/${league.files.length}`));
    assert.match(imported.stderr, new RegExp(`writing games \\[#+\\] 100% ${inserted}/${inserted}`));

    const built = await run(process.execPath, [BIN, 'features', 'build', '--set', 'soccer-1x2-base'], { env });
    assert.doesNotMatch(built.stderr, /creating the embedded database/, 'only the first start creates it');
    for (const phase of ['reading history', 'computing features', 'writing rows']) assert.match(built.stderr, new RegExp(`${phase} \\[#+\\] 100%`));
  });
});
