import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticLeague, type SyntheticLeagueOptions } from '../../src/demo/synthetic-league.ts';
import { runImport } from '../../history/index.ts';
import type { Db } from '../../core/db.ts';

/** Fixed "today" so synthetic fixtures and windows are the same on every run. */
export const SYNTHETIC_AS_OF = new Date('2026-11-26T00:00:00Z');

/** Simulates a league (football-data CSVs in a temp folder) and imports it through the real importer. */
export async function importSyntheticLeague(db: Db, options: SyntheticLeagueOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-synth-'));
  try {
    const league = writeSyntheticLeague(dir, { seasons: 4, asOf: SYNTHETIC_AS_OF, ...options });
    const summary = await runImport(db, { source: 'football-data', paths: league.files });
    return { league, summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
