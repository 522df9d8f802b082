/**
 * Downloads a football-data.co.uk season file (`<base>/<season>/<league>.csv`, e.g.
 * `.../mmz4281/2324/E0.csv`) and imports it. The base URL comes from config
 * (SHARPLINE_FOOTBALL_DATA_URL), so tests serve files from a local HTTP server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, AppError, isAppError } from '../../core/index.ts';
import { ProviderHttp, type ProviderHttpOptions } from '../providers/http.ts';
import { runImport, type ImportProgress } from './importer.ts';
import type { ImportSummary } from './types.ts';

export interface FetchOptions {
  baseUrl: string;
  /** Division code: E0, SP1, D1 ... */
  league: string;
  /** Four digits, start and end year: 2324. */
  season: string;
  timeoutMs?: number;
  /** Retry and wait bounds of the download (the provider client's). */
  http?: Omit<ProviderHttpOptions, 'provider'>;
  onProgress?: (event: ImportProgress) => void;
}

/** The download URL of one league season. */
export function footballDataUrl(baseUrl: string, league: string, season: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(season)}/${encodeURIComponent(league)}.csv`;
}

/**
 * Downloads and imports one league season. Throws VALIDATION_FAILED for a malformed league or
 * season, FETCH_FAILED when the download fails, IMPORT_FILE_INVALID when it is not a match file.
 */
export async function fetchFootballData(db: Db, options: FetchOptions): Promise<ImportSummary & { url: string }> {
  if (!/^[A-Z]{1,3}\d?$/.test(options.league)) throw new AppError('VALIDATION_FAILED', `league must look like E0, SP1, SC0; got ${JSON.stringify(options.league)}`);
  if (!/^\d{4}$/.test(options.season)) throw new AppError('VALIDATION_FAILED', `season must be four digits like 2324; got ${JSON.stringify(options.season)}`);
  const url = footballDataUrl(options.baseUrl, options.league, options.season);
  let body: Uint8Array;
  try {
    // The provider client: retries with backoff on network errors and 5xx, bounded waits.
    body = (await new ProviderHttp({ provider: 'football-data', timeoutMs: options.timeoutMs ?? 30_000, ...options.http }).get(url)).bytes;
  } catch (cause) {
    if (isAppError(cause) && cause.code !== 'FETCH_FAILED') throw cause;
    const reason = (isAppError(cause) && (cause.details as { reason?: string } | undefined)?.reason) || (cause as Error).message;
    throw new AppError('FETCH_FAILED', `download of ${url} failed: ${reason}`, { cause, details: { url } });
  }
  const dir = await mkdtemp(join(tmpdir(), 'sharpline-fetch-'));
  try {
    const file = join(dir, `${options.league}_${options.season}.csv`);
    await writeFile(file, body);
    const summary = await runImport(db, { source: 'football-data', paths: [file], onProgress: options.onProgress });
    return { ...summary, url };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
