import { type Db, AppError } from '../core/index.ts';
import { lockVersionForWrite } from './artifact-store.ts';
import { PREDICTION_COLUMNS, PREDICTION_TABLE, SQL } from './queries.ts';
import { toPrediction, type ModelPredictionRow } from './rows.ts';
import type { Prediction, PredictionInput } from './types.ts';

/** A float8[] literal; `String(x)` is the shortest text that parses back to the same double. */
function floatArrayLiteral(values: readonly number[]): string {
  return '{' + values.map((v) => String(v)).join(',') + '}';
}

function invalid(message: string, details: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { details });
}

/**
 * Replaces the out-of-sample test predictions of a PENDING version (bulk: COPY on pg).
 * Each row needs one finite probability per class of the version and an outcome that is one of
 * its classes (or null); game ids must be unique. Returns the number stored.
 * Throws VALIDATION_FAILED, MODEL_VERSION_NOT_FOUND, CONFLICT (version not PENDING).
 */
export async function savePredictions(db: Db, versionId: number, predictions: readonly PredictionInput[]): Promise<number> {
  return db.transaction(async (tx) => {
    const { status, classes } = await lockVersionForWrite(tx, versionId);
    if (status !== 'PENDING') {
      throw new AppError('CONFLICT', `model version ${versionId} is ${status}; predictions are written before it is READY`, { details: { versionId, status } });
    }
    const seen = new Set<number>();
    const rows = predictions.map((p, i) => {
      if (!Number.isSafeInteger(p.gameId)) throw invalid(`prediction ${i}: gameId must be an integer`, { index: i, gameId: p.gameId });
      if (seen.has(p.gameId)) throw invalid(`prediction ${i}: game ${p.gameId} appears twice`, { index: i, gameId: p.gameId });
      seen.add(p.gameId);
      if (p.probabilities.length !== classes.length || !p.probabilities.every(Number.isFinite)) {
        throw invalid(`prediction ${i}: expected ${classes.length} finite probabilities (${classes.join(', ')})`, { index: i, gameId: p.gameId });
      }
      if (p.outcome !== null && !classes.includes(p.outcome)) {
        throw invalid(`prediction ${i}: outcome ${JSON.stringify(p.outcome)} is not one of ${classes.join(', ')}`, { index: i, gameId: p.gameId });
      }
      const kickoff = p.kickoff instanceof Date ? p.kickoff : new Date(p.kickoff);
      if (Number.isNaN(kickoff.getTime())) throw invalid(`prediction ${i}: kickoff is not a date`, { index: i, gameId: p.gameId });
      return [versionId, p.gameId, kickoff, p.competition, p.home, p.away, floatArrayLiteral(p.probabilities), p.outcome];
    });
    await tx.query(SQL.deleteVersionPredictions, [versionId]);
    return tx.copyRows(PREDICTION_TABLE, PREDICTION_COLUMNS, rows);
  });
}

export interface ListPredictionsOptions {
  limit?: number;
  offset?: number;
}

/** A version's predictions in kickoff order (then game id). */
export async function listPredictions(db: Db, versionId: number, options: ListPredictionsOptions = {}): Promise<Prediction[]> {
  const { rows } = await db.query<ModelPredictionRow>(SQL.selectPredictions, [versionId, options.limit ?? null, options.offset ?? 0]);
  return rows.map(toPrediction);
}

/** How many predictions a version has stored. */
export async function countPredictions(db: Db, versionId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(SQL.countPredictions, [versionId]);
  return Number(rows[0]!.n);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
}

/** The CSV header: game_id, kickoff, competition, home, away, p_<class> per class, outcome. */
export function predictionsCsvHeader(classes: readonly string[]): string {
  return ['game_id', 'kickoff', 'competition', 'home', 'away', ...classes.map((c) => `p_${c}`), 'outcome'].map(csvField).join(',') + '\n';
}

/** CSV lines (with trailing newline each) for predictions; probabilities printed exactly (`String(x)`). */
export function predictionsCsvRows(predictions: readonly Prediction[]): string {
  let out = '';
  for (const p of predictions) {
    out += [String(p.gameId), p.kickoff, csvField(p.competition), csvField(p.home), csvField(p.away), ...p.probabilities.map(String), csvField(p.outcome ?? '')].join(',') + '\n';
  }
  return out;
}

/** A whole CSV document for predictions of a version with these classes. */
export function predictionsToCsv(classes: readonly string[], predictions: readonly Prediction[]): string {
  return predictionsCsvHeader(classes) + predictionsCsvRows(predictions);
}
