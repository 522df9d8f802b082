/**
 * Runs an import: reads and parses every file first (a file in the wrong format fails the run
 * before anything is written), records an import run, then validates identities, quarantines
 * bad rows and merges the rest in one transaction. Unchanged games (same content hash) are not
 * written at all, which makes a re-import a cheap no-op that reports `inserted 0`.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Db, AppError, looksLikeTypo } from '../../core/index.ts';
import { decodeText, parseCsv, type CsvFile } from './csv.ts';
import { GAME_SOURCES, SOURCE_NAMES, type GameSource } from './sources/index.ts';
import { FIVETHIRTYEIGHT_SOURCE, SPI_TEAM_NAMES, parseFiveThirtyEight } from './sources/fivethirtyeight.ts';
import { FOOTBALL_DATA_SOURCE } from './sources/football-data.ts';
import {
  competitionIdsByCode, ensureAliasesTo, ensureBookmakers, ensureCompetition, ensureFranchises, ensureSeason, ensureSourceTeams, loadTeamResolver, sourceNamesByCompetition, sportIds,
} from '../store/catalog-store.ts';
import { gameKey, mergeGames, storedGameHashes, storedSourceHashes, timed, type GameWrite } from '../store/game-store.ts';
import { gamesForMatching, upsertForecasts, type ForecastWrite, type MatchableGame } from '../store/forecast-store.ts';
import { createRun, failRun, finishRun, insertRejects } from '../store/import-run-store.ts';
import { importFileRecords, loadRecordedGames, recordedGamesHold, saveImportFileRecords, type ImportFileRecord } from '../store/import-file-store.ts';
import { addDays } from './time.ts';
import type { ForecastRecord, GameRecord, ImportSummary, Reject, SportCode } from './types.ts';

// Bump when a parser change alters what the same source text imports as, to force rewrites.
const HASH_VERSION = '1';

/**
 * Where an import is: `read` and `parse` count files, `write` counts the new or changed games merged
 * so far (odds, results and players of each chunk are written with its games); `done` ends it.
 */
export interface ImportProgress {
  phase: 'read' | 'parse' | 'write' | 'done';
  file?: string;
  done: number;
  total: number;
}

export interface ImportOptions {
  source: string;
  /** Files or folders (a folder imports the files matching the source's pattern). */
  paths: readonly string[];
  /** FiveThirtyEight Elo files whose sport the file name does not say. */
  sport?: SportCode;
  onProgress?: (event: ImportProgress) => void;
  /** Validate and expand every row even when its content hash is already stored. */
  noShortcut?: boolean;
  /**
   * Filled with seconds per stage: read (files and their hashes), parse, prepare (teams, catalogue,
   * stored hashes, validation), the merge's steps (stage, stageCopy, games, results, odds, players,
   * replace), record (file records, rejects) and commit.
   */
  timings?: Record<string, number>;
}

/** Expands folders into the files of a source (sorted), keeping explicit files as given. */
export async function expandPaths(paths: readonly string[], pattern: RegExp): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new AppError('IMPORT_FILE_INVALID', `${p}: no such file or folder`, { details: { file: p } });
    }
    if (info.isDirectory()) {
      const names = (await readdir(p)).filter((n) => pattern.test(n)).sort();
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  if (!out.length) throw new AppError('IMPORT_FILE_INVALID', `no files to import in ${paths.join(', ')}`, { details: { paths } });
  return out;
}

/**
 * A team name holding U+FFFD is a character lost to a wrong decoding upstream (a latin-1 file
 * once read as UTF-8 and saved again): it would create a new team, so the file is refused.
 * @throws IMPORT_FILE_INVALID naming the file, line and name.
 */
function refuseMisdecodedNames(file: string, names: Iterable<{ line: number; name: string }>): void {
  for (const { line, name } of names) {
    if (name.includes('\uFFFD')) {
      throw new AppError('IMPORT_FILE_INVALID', `${file}: line ${line}: team name ${JSON.stringify(name)} holds U+FFFD, a character lost to a wrong text decoding; fix the file's encoding (nothing was imported)`, {
        details: { file, line, name, reason: 'misdecoded name' },
      });
    }
  }
}

function csvOf(path: string, bytes: Buffer): CsvFile {
  const csv = parseCsv(decodeText(bytes, basename(path)));
  if (csv.header.length < 2) throw new AppError('IMPORT_FILE_INVALID', `${basename(path)}: no CSV header line`, { details: { file: basename(path) } });
  return csv;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

/** A file's bytes under a source and the parser version: equal hashes import as the same rows. */
function bytesHash(source: string, bytes: Buffer): string {
  return createHash('sha1').update(`${HASH_VERSION}\u0001${source}\u0001`).update(bytes).digest('base64url');
}

/** The content hash stored in games.content_hash: source text of the row under its header and season. */
function contentHash(source: string, headerHash: string, seasonLabel: string, gameNumber: number, raw: string): string {
  return sha1(`${HASH_VERSION}\u0001${source}\u0001${headerHash}\u0001${seasonLabel}\u0001${gameNumber}\u0001${raw}`);
}

const EMPTY = Buffer.alloc(0);

/** A row skipped as known turned out not to be stored under its natural key: redo without the shortcut. */
class ShortcutMismatch extends Error {}

function emptySummary(source: string, files: string[]): Omit<ImportSummary, 'runId' | 'seconds'> {
  return { source, files, rowsRead: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, unknownTeams: [], oddsWritten: 0, unmatched: 0, skipped: 0, pricesQuarantined: 0, newTeams: [], possibleTypos: [] };
}

/**
 * Imports files of one source. Throws IMPORT_SOURCE_UNKNOWN for an unknown source and
 * IMPORT_FILE_INVALID (nothing written) for a missing, empty, binary or wrong-format file.
 */
export async function runImport(db: Db, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  if (!SOURCE_NAMES.includes(options.source)) {
    throw new AppError('IMPORT_SOURCE_UNKNOWN', `unknown source ${JSON.stringify(options.source)}; expected one of ${SOURCE_NAMES.join(', ')}`, { details: { source: options.source } });
  }
  const gameSource = GAME_SOURCES[options.source];
  const paths = await expandPaths(options.paths, gameSource?.filePattern ?? /\.csv$/i);
  const names = paths.map((p) => basename(p));
  const progress = options.onProgress ?? (() => undefined);

  // Phase 1: read and parse everything; a bad file fails here, before any write. A file
  // byte-identical to one an earlier run recorded (import_files) is not parsed: its record stands
  // in for it once writeGames has checked the record against the stored games.
  const timings = options.timings;
  const bytes: Buffer[] = [];
  const hashes = await timed(timings, 'read', async () => {
    for (const [i, path] of paths.entries()) {
      bytes.push(await readFile(path));
      progress({ phase: 'read', file: names[i], done: i + 1, total: paths.length });
    }
    return gameSource ? bytes.map((b) => bytesHash(gameSource.name, b)) : [];
  });
  const records = gameSource && !options.noShortcut ? await timed(timings, 'records', () => importFileRecords(db, gameSource.name, hashes)) : new Map<string, ImportFileRecord>();
  const parseStart = performance.now();
  // Files recorded byte for byte by an earlier run are not parsed; the rest are parsed one at a
  // time below, each file's CSV records dropped once its games are read (holding every file's
  // fields at once was most of a large import's heap).
  const parsed: Array<{ file: string; bytesHash?: string; path: string; index: number; record?: ImportFileRecord }> = [];
  for (const [i, path] of paths.entries()) {
    const record = records.get(hashes[i]!);
    if (record && record.file === names[i] && names.indexOf(names[i]!) === names.lastIndexOf(names[i]!)) parsed.push({ file: names[i]!, bytesHash: hashes[i], path, index: i, record });
    else parsed.push({ file: names[i]!, bytesHash: hashes[i], path, index: i });
  }
  const someParsed = parsed.some((p) => !p.record);
  // Records standing in beside parsed files are checked key by key in memory (a parsed row may claim
  // a recorded key); with every file recorded, writeGames checks them in the database instead.
  if (gameSource && someParsed) {
    await timed(timings, 'records', () => loadRecordedGames(db, gameSource.name, parsed.flatMap((p) => (p.record ? [p.record] : []))));
  }
  const summary = emptySummary(options.source, names);
  // Content hashes already stored for this source: rows whose hash is among them are not
  // validated or expanded again (they were valid when stored); the importer still checks each
  // one's hash under its natural key and re-parses without this shortcut on any mismatch.
  const knownHashes = gameSource && !options.noShortcut && someParsed ? await storedSourceHashes(db, gameSource.name) : new Set<string>();
  let games: GameRecord[] = [];
  let forecasts: ForecastRecord[] = [];
  const rejects: Reject[] = [];
  const headerHashes = new Map<string, string>();
  const fileLog = new Map<string, FileLog>();
  const recorded: ImportFileRecord[] = [];
  for (const [i, { file, bytesHash: fileHash, path, index, record }] of parsed.entries()) {
    progress({ phase: 'parse', file, done: i, total: parsed.length });
    if (record) {
      recorded.push(record);
      summary.rowsRead += record.rowsRead;
      rejects.push(...record.priceRejects);
      continue;
    }
    const csv = csvOf(path, bytes[index]!);
    bytes[index] = EMPTY;
    if (gameSource) {
      const headerHash = sha1(csv.header.join(','));
      headerHashes.set(file, headerHash);
      const r = gameSource.parse(csv, file, {
        known: knownHashes.size ? (seasonLabel, gameNumber, raw) => knownHashes.has(contentHash(gameSource.name, headerHash, seasonLabel, gameNumber, raw)) : undefined,
      });
      refuseMisdecodedNames(file, r.games.flatMap((g) => [{ line: g.line, name: g.home }, { line: g.line, name: g.away }]));
      for (const g of r.games) games.push(g);
      rejects.push(...r.rejects);
      summary.rowsRead += r.rowsRead;
      if (names.indexOf(file) === names.lastIndexOf(file)) fileLog.set(file, { bytesHash: fileHash!, rowsRead: r.rowsRead, games: [], teams: {}, priceRejects: r.rejects.filter((x) => x.field !== undefined), whole: r.rejects.some((x) => x.field === undefined) });
    } else {
      const r = parseFiveThirtyEight(csv, file, options.sport);
      refuseMisdecodedNames(file, r.forecasts.flatMap((f) => [{ line: f.line, name: f.team1 }, { line: f.line, name: f.team2 }]));
      forecasts = forecasts.concat(r.forecasts);
      rejects.push(...r.rejects);
      summary.rowsRead += r.rowsRead;
      summary.skipped += r.skipped;
    }
  }
  bytes.length = 0;

  progress({ phase: 'parse', done: parsed.length, total: parsed.length });
  if (timings) timings.parse = (timings.parse ?? 0) + (performance.now() - parseStart) / 1000;
  const runId = await createRun(db, options.source, names);
  let commitStart = 0;
  try {
    await db.transaction(async (tx) => {
      if (gameSource) {
        await writeGames(tx, gameSource, games, rejects, headerHashes, summary, progress, recorded, fileLog, timings);
        const fresh = [...fileLog.entries()].filter(([, l]) => !l.whole).map(([file, l]) => ({ bytesHash: l.bytesHash, file, rowsRead: l.rowsRead, games: l.games, gameCount: l.games.length, teams: l.teams, priceRejects: l.priceRejects }));
        await timed(timings, 'record', () => saveImportFileRecords(tx, gameSource.name, runId, fresh));
      }
      else await writeForecasts(tx, forecasts, rejects, summary);
      summary.pricesQuarantined = rejects.filter((r) => r.field !== undefined).length;
      summary.rejected = rejects.length - summary.pricesQuarantined;
      await timed(timings, 'record', () => insertRejects(tx, runId, rejects));
      commitStart = performance.now();
    });
    if (timings) timings.commit = (timings.commit ?? 0) + (performance.now() - commitStart) / 1000;
  } catch (error) {
    if (error instanceof ShortcutMismatch) {
      await failRun(db, runId, 'superseded: re-run without the unchanged-row shortcut').catch(() => undefined);
      return runImport(db, { ...options, noShortcut: true });
    }
    await failRun(db, runId, (error as Error).message).catch(() => undefined);
    throw error;
  }
  summary.unknownTeams.sort();
  await finishRun(db, runId, summary);
  progress({ phase: 'done', done: 1, total: 1 });
  return { ...summary, runId, seconds: Math.round((performance.now() - started) / 10) / 100 };
}

function markWhole(fileLog: Map<string, FileLog>, file: string): void {
  const log = fileLog.get(file);
  if (log) log.whole = true;
}

/** What a parsed file imported as, to record it in import_files (`whole`: a row was quarantined whole). */
interface FileLog {
  bytesHash: string;
  rowsRead: number;
  games: Array<[string, string]>;
  teams: Record<string, number>;
  priceRejects: Reject[];
  whole: boolean;
}

async function writeGames(
  tx: Db, source: GameSource, games: GameRecord[], rejects: Reject[], headerHashes: Map<string, string>, summary: ReturnType<typeof emptySummary>,
  progress: (event: ImportProgress) => void, recorded: readonly ImportFileRecord[], fileLog: Map<string, FileLog>, timings?: Record<string, number>,
): Promise<void> {
  const prepareStart = performance.now();
  const sport = (await sportIds(tx)).get(source.sport)!;
  await ensureFranchises(tx, source.sport, sport);
  if (source.createsTeams) {
    const resolver = await loadTeamResolver(tx, sport);
    const fresh = new Set<string>();
    for (const g of games) for (const t of [g.home, g.away]) if (resolver.resolve(source.name, t) === undefined) fresh.add(t);
    await ensureSourceTeams(tx, sport, source.name, [...fresh].sort());
    summary.newTeams = [...fresh].sort();
    if (fresh.size) summary.possibleTypos = await possibleTypos(tx, sport, source.name, games, fresh);
  }
  const resolver = await loadTeamResolver(tx, sport);

  const competitionIds = new Map<string, number>();
  const seasonIds = new Map<string, number>();
  for (const g of games) {
    if (!competitionIds.has(g.competition)) {
      const c = source.competition(g.competition);
      competitionIds.set(g.competition, await ensureCompetition(tx, sport, g.competition, c.name, c.country, c.timeZone));
    }
    const sk = `${g.competition}|${g.seasonLabel}`;
    if (!seasonIds.has(sk)) seasonIds.set(sk, await ensureSeason(tx, competitionIds.get(g.competition)!, g.seasonLabel, g.seasonStartYear));
  }
  const bookmakers = await ensureBookmakers(tx, source.bookmakers());
  const sourceBookmakerIds = [...source.bookmakers().keys()].map((c) => bookmakers.get(c)!);

  let minDate = '9999-12-31';
  let maxDate = '0000-01-01';
  for (const g of games) {
    if (g.gameDate < minDate) minDate = g.gameDate;
    if (g.gameDate > maxDate) maxDate = g.gameDate;
  }
  // Games of recorded (unparsed) files: their keys widen the stored-hash read.
  const lookedUp = new Set(competitionIds.values());
  for (const r of recorded) {
    for (const [key] of r.games ?? []) {
      const [c, d] = key.split('|');
      lookedUp.add(Number(c));
      if (d! < minDate) minDate = d!;
      if (d! > maxDate) maxDate = d!;
    }
  }
  const inMemory = recorded.filter((r) => r.games);
  const stored = games.length || inMemory.length ? await storedGameHashes(tx, [...lookedUp], minDate, maxDate) : new Map<string, string | null>();
  // A record stands in for its file only while it still holds: same teams for its names, every
  // game stored under its key with its hash, no key claimed twice. Otherwise redo without it.
  const recordedKeys = new Set<string>();
  for (const r of recorded) {
    for (const [name, id] of Object.entries(r.teams)) if (resolver.resolve(source.name, name) !== id) throw new ShortcutMismatch();
    for (const [key, hash] of r.games ?? []) {
      if (stored.get(key) !== hash || recordedKeys.has(key)) throw new ShortcutMismatch();
      recordedKeys.add(key);
    }
    summary.unchanged += r.gameCount;
  }
  const inDatabase = recorded.filter((r) => !r.games).map((r) => r.bytesHash);
  if (inDatabase.length && !(await recordedGamesHold(tx, source.name, inDatabase))) throw new ShortcutMismatch();
  const unknown = new Set<string>();
  const seen = new Set<string>();
  const writes: GameWrite[] = [];
  for (const g of games) {
    const home = resolver.resolve(source.name, g.home);
    const away = resolver.resolve(source.name, g.away);
    if (home === undefined || away === undefined) {
      if (home === undefined) unknown.add(g.home);
      if (away === undefined) unknown.add(g.away);
      markWhole(fileLog, g.file);
      rejects.push({ file: g.file, line: g.line, raw: g.raw, reasons: ['TEAM_UNKNOWN'] });
      continue;
    }
    if (home === away) {
      markWhole(fileLog, g.file);
      rejects.push({ file: g.file, line: g.line, raw: g.raw, reasons: ['SAME_TEAM'] });
      continue;
    }
    const competitionId = competitionIds.get(g.competition)!;
    const key = gameKey(competitionId, g.gameDate, home, away, g.gameNumber);
    // Which of two rows with one key is the duplicate depends on file order: not for a record to say.
    if (recordedKeys.has(key)) throw new ShortcutMismatch();
    if (seen.has(key)) {
      markWhole(fileLog, g.file);
      rejects.push({ file: g.file, line: g.line, raw: g.raw, reasons: ['DUPLICATE_ROW'] });
      continue;
    }
    seen.add(key);
    const hash = contentHash(source.name, headerHashes.get(g.file)!, g.seasonLabel, g.gameNumber, g.raw);
    const log = fileLog.get(g.file);
    if (log) {
      log.games.push([key, hash]);
      log.teams[g.home] = home;
      log.teams[g.away] = away;
    }
    if (stored.has(key) && stored.get(key) === hash) {
      summary.unchanged++;
      continue;
    }
    if (g.unchanged) throw new ShortcutMismatch();
    writes.push({
      sportId: sport,
      competitionId,
      seasonId: seasonIds.get(`${g.competition}|${g.seasonLabel}`)!,
      gameDate: g.gameDate,
      gameNumber: g.gameNumber,
      kickoff: g.kickoff,
      kickoffKnown: g.kickoffKnown,
      homeTeamId: home,
      awayTeamId: away,
      neutral: g.neutral,
      status: g.status,
      gameType: g.gameType,
      source: source.name,
      sourceId: g.sourceId,
      context: g.context,
      postGame: g.postGame,
      contentHash: hash,
      result: g.result,
      odds: g.odds,
      players: g.players,
    });
  }
  // Kickoff order keeps odds inserts near the right edge of the (kickoff, ...) primary key.
  writes.sort((a, b) => a.kickoff.getTime() - b.kickoff.getTime());
  progress({ phase: 'write', done: 0, total: writes.length });
  if (timings) timings.prepare = (timings.prepare ?? 0) + (performance.now() - prepareStart) / 1000;
  const counts = await mergeGames(tx, writes, bookmakers, sourceBookmakerIds, { onChunk: (done) => progress({ phase: 'write', done, total: writes.length }), timings });
  summary.inserted += counts.inserted;
  summary.updated += counts.updated;
  summary.unchanged += writes.length - counts.inserted - counts.updated;
  summary.oddsWritten += counts.oddsWritten;
  summary.unknownTeams.push(...unknown);
}

/**
 * New team names that read as a misspelling of another team's name in the same competition: one
 * stored before (`Arsenl` beside a stored `Arsenal` in E0), or — when both are new — the one of the
 * pair with fewer games in this import.
 */
async function possibleTypos(tx: Db, sport: number, source: string, games: GameRecord[], fresh: Set<string>): Promise<ImportSummary['possibleTypos']> {
  const byCompetition = new Map<string, Map<string, number>>();
  for (const g of games) {
    const names = byCompetition.get(g.competition) ?? new Map<string, number>();
    byCompetition.set(g.competition, names);
    for (const t of [g.home, g.away]) names.set(t, (names.get(t) ?? 0) + 1);
  }
  const stored = new Map<string, Set<string>>();
  for (const { competition, alias } of await sourceNamesByCompetition(tx, sport, source, [...byCompetition.keys()])) {
    stored.set(competition, (stored.get(competition) ?? new Set<string>()).add(alias));
  }
  const found: ImportSummary['possibleTypos'] = [];
  for (const [competition, names] of byCompetition) {
    const known = stored.get(competition) ?? new Set<string>();
    for (const [name, count] of names) {
      if (!fresh.has(name)) continue;
      const similarTo =
        [...known].find((other) => looksLikeTypo(name, other)) ??
        [...names].find(([other, n]) => other !== name && looksLikeTypo(name, other) && (n > count || (n === count && other < name)))?.[0];
      if (similarTo) found.push({ name, similarTo, competition });
    }
  }
  return found.sort((a, b) => a.competition.localeCompare(b.competition) || a.name.localeCompare(b.name));
}

async function writeForecasts(tx: Db, forecasts: ForecastRecord[], rejects: Reject[], summary: ReturnType<typeof emptySummary>): Promise<void> {
  const sports = await sportIds(tx);
  const bySport = new Map<SportCode, ForecastRecord[]>();
  for (const f of forecasts) {
    const list = bySport.get(f.sport);
    if (list) list.push(f);
    else bySport.set(f.sport, [f]);
  }
  const writes = new Map<string, ForecastWrite>();
  const unknown = new Set<string>();
  for (const [sportCode, list] of bySport) {
    const sport = sports.get(sportCode)!;
    await ensureFranchises(tx, sportCode, sport);
    if (sportCode === 'soccer') {
      await ensureAliasesTo(tx, sport, FIVETHIRTYEIGHT_SOURCE, Object.entries(SPI_TEAM_NAMES).map(([spi, fd]) => [spi, fd, FOOTBALL_DATA_SOURCE]));
    }
    const resolver = await loadTeamResolver(tx, sport);
    const resolve = (name: string) => resolver.resolve(FIVETHIRTYEIGHT_SOURCE, name) ?? (sportCode === 'soccer' ? resolver.resolve(FOOTBALL_DATA_SOURCE, name) : undefined);
    let from = '9999-12-31';
    let to = '0000-01-01';
    for (const f of list) {
      if (f.date < from) from = f.date;
      if (f.date > to) to = f.date;
    }
    const stored = await gamesForMatching(tx, sport, addDays(from, -1), addDays(to, 1));
    const index = new Map<string, MatchableGame[]>();
    // The period we hold games for, per competition (soccer forecasts name their league).
    const range = new Map<number, [string, string]>();
    for (const g of stored) {
      const k = `${g.gameDate}|${g.homeTeamId}|${g.awayTeamId}`;
      const l = index.get(k);
      if (l) l.push(g);
      else index.set(k, [g]);
      const r = range.get(g.competitionId);
      if (!r) range.set(g.competitionId, [g.gameDate, g.gameDate]);
      else {
        if (g.gameDate < r[0]) r[0] = g.gameDate;
        if (g.gameDate > r[1]) r[1] = g.gameDate;
      }
    }
    const competitionCodes = await competitionIdsByCode(tx, sport);
    const covered = (f: ForecastRecord): boolean => {
      const ids = f.competition === undefined ? [...range.keys()] : [competitionCodes.get(f.competition)].filter((x): x is number => x !== undefined);
      return ids.some((id) => {
        const r = range.get(id);
        return r !== undefined && f.date >= r[0] && f.date <= r[1];
      });
    };
    const occurrences = new Map<string, number>();
    const claimed = new Set<string>();
    const pending: Array<{ f: ForecastRecord; t1: number; t2: number }> = [];
    const assign = (f: ForecastRecord, game: MatchableGame, swapped: boolean) => {
      claimed.add(`${game.id}|${f.predictor}`);
      writes.set(`${game.id}|${f.predictor}`, {
        gameId: game.id,
        predictor: f.predictor,
        pHome: swapped ? f.p2 : f.p1,
        pDraw: f.pDraw,
        pAway: swapped ? f.p1 : f.p2,
        source: `${FIVETHIRTYEIGHT_SOURCE}:${f.file}`,
        details: swapped ? { ...f.details, teamsSwapped: true } : f.details,
      });
    };
    // Pass 1: same date (teams either way round: neutral games may list them reversed).
    for (const f of list) {
      const t1 = resolve(f.team1);
      const t2 = resolve(f.team2);
      if (t1 === undefined || t2 === undefined) {
        // Only a name within the period (and league) we hold games for is worth reporting; rows of
        // other seasons or leagues simply have no game.
        if (covered(f)) {
          if (t1 === undefined) unknown.add(f.team1);
          if (t2 === undefined) unknown.add(f.team2);
        }
        summary.unmatched++;
        continue;
      }
      const direct = index.get(`${f.date}|${t1}|${t2}`);
      const reversed = direct ? undefined : index.get(`${f.date}|${t2}|${t1}`);
      const games = direct ?? reversed;
      if (!games) {
        pending.push({ f, t1, t2 });
        continue;
      }
      // Doubleheaders: the k-th forecast for the same teams and day takes the k-th game.
      const ok = `${f.predictor}|${f.date}|${t1}|${t2}`;
      const k = occurrences.get(ok) ?? 0;
      occurrences.set(ok, k + 1);
      assign(f, games[Math.min(k, games.length - 1)]!, !direct);
    }
    // Pass 2: a day either side (time zones), only onto games no same-day forecast claimed,
    // so a series of games between the same teams on consecutive days is never cross-matched.
    for (const { f, t1, t2 } of pending) {
      let done = false;
      for (const offset of [-1, 1]) {
        const d = addDays(f.date, offset);
        for (const [home, away, swapped] of [[t1, t2, false], [t2, t1, true]] as const) {
          const game = index.get(`${d}|${home}|${away}`)?.find((g) => !claimed.has(`${g.id}|${f.predictor}`));
          if (game) {
            assign(f, game, swapped);
            done = true;
            break;
          }
        }
        if (done) break;
      }
      if (!done) summary.unmatched++;
    }
  }
  const rows = [...writes.values()];
  const counts = await upsertForecasts(tx, rows);
  summary.inserted += counts.inserted;
  summary.updated += counts.updated;
  summary.unchanged += rows.length - counts.inserted - counts.updated;
  summary.unknownTeams.push(...unknown);
}
