import { type Db, AppError } from '../../core/index.ts';
import { findGameIds } from '../../history/index.ts';
import { predictInstances, resolveGames, scoreResolvedGames, type GameRequest, type ResolvedGames, type PredictDeps, type PredictionItem, type PredictOptions, type PredictResult } from './predict.ts';
import type { ServedVersion } from './predictor.ts';


/** Which stored games an offline batch scores. */
export interface GameQuery {
  competition?: string;
  /** ISO date or date-time, inclusive. */
  from?: string;
  /** ISO date or date-time, exclusive. */
  to?: string;
  status?: 'scheduled' | 'final' | 'postponed' | 'cancelled';
  limit?: number;
}

const QUERY_KEYS = new Set(['competition', 'from', 'to', 'status', 'limit']);

/**
 * Parses `competition=E0,from=2024-01-01,to=2024-06-01[,status=scheduled][,limit=500]`.
 * @throws VALIDATION_FAILED naming the bad part.
 */
export function parseGameQuery(text: string): GameQuery {
  const query: GameQuery = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, ...rest] = part.split('=');
    const value = rest.join('=').trim();
    if (!key || !QUERY_KEYS.has(key.trim()) || !value) {
      throw new AppError('VALIDATION_FAILED', `game query part ${JSON.stringify(part)}: expected key=value with key one of ${[...QUERY_KEYS].join(', ')}`, { details: { part } });
    }
    const k = key.trim();
    if (k === 'limit') {
      if (!/^\d+$/.test(value)) throw new AppError('VALIDATION_FAILED', 'game query limit must be a whole number', { details: { limit: value } });
      query.limit = Number(value);
    } else if (k === 'from' || k === 'to') {
      if (Number.isNaN(Date.parse(value))) throw new AppError('VALIDATION_FAILED', `game query ${k}: not a date: ${value}`, { details: { [k]: value } });
      query[k] = value;
    } else if (k === 'status') {
      query.status = value as GameQuery['status'];
    } else {
      query.competition = value;
    }
  }
  return query;
}

/** Stored game ids matching a query, as game requests, in kickoff order. */
export async function findGames(db: Db, query: GameQuery): Promise<GameRequest[]> {
  return (await findGameIds(db, query)).map((gameId) => ({ gameId }));
}

/**
 * Scores many rows in chunks of `chunkRows` through the same functions as the HTTP route, yielding
 * each chunk's result so a caller can stream it out. Games are read one chunk ahead: the next
 * chunk's feature rows and odds are on the database while the current chunk is scored and written,
 * so at most two chunks are held.
 */
export async function* predictInChunks(
  deps: PredictDeps,
  served: ServedVersion,
  input: { instances: Record<string, unknown>[] } | { games: GameRequest[] },
  chunkRows: number,
  options: PredictOptions = {},
): AsyncGenerator<PredictResult> {
  if ('instances' in input) {
    for (let start = 0; start < input.instances.length; start += chunkRows) yield await predictInstances(deps, served, input.instances.slice(start, start + chunkRows));
    return;
  }
  const { games } = input;
  const read = (start: number): Promise<ResolvedGames> | undefined => {
    if (start >= games.length) return undefined;
    const reading = resolveGames(deps, served, games.slice(start, start + chunkRows));
    reading.catch(() => undefined); // surfaces where it is awaited
    return reading;
  };
  let next = read(0);
  for (let start = 0; next; start += chunkRows) {
    const current = await next;
    next = read(start + chunkRows);
    yield await scoreResolvedGames(deps, served, current, options);
  }
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV header of prediction rows for a version: ids, probabilities, market view, then features. */
export function predictionCsvHeader(served: ServedVersion): string {
  const c = served.classes;
  return [
    'row', 'game_id', 'kickoff', 'model', 'version',
    ...c.map((k) => `p_${k}`),
    'market_source', 'bookmaker',
    ...c.map((k) => `price_${k}`), ...c.map((k) => `market_p_${k}`), ...c.map((k) => `edge_${k}`), ...c.map((k) => `kelly_${k}`), 'market_caveat',
    'stale', 'missing',
    ...served.featureNames,
  ].join(',');
}

/** CSV lines (with trailing newline) of one chunk's predictions; `firstRow` numbers them. */
export function predictionCsvRows(served: ServedVersion, items: readonly PredictionItem[], firstRow: number): string {
  const c = served.classes;
  return items.map((p, i) => {
    const m = p.market;
    return [
      firstRow + i, p.game?.gameId ?? '', p.game?.kickoff ?? '', p.model, p.version,
      ...c.map((k) => p.probabilities[k]),
      m?.source ?? '', m?.bookmaker ?? '',
      ...c.map((k) => m?.prices[k]), ...c.map((k) => m?.probabilities[k]), ...c.map((k) => m?.edge[k]), ...c.map((k) => m?.kellyStake[k]), m?.caveat?.code ?? '',
      p.game ? String(p.game.stale) : '', p.game?.missing.join(' ') ?? '',
      ...served.featureNames.map((f) => p.features[f]),
    ].map(csvCell).join(',') + '\n';
  }).join('');
}
