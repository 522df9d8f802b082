/**
 * The kernel every folder may import (and that imports none of them): coded errors, the Db query
 * interface and its binary COPY encoder, the logger, the SQL file loader, odds arithmetic, name matching, seeded randomness and the paired bootstrap.
 */
export { AppError, isAppError } from './errors.ts';
export type { AppErrorOptions, ErrorCode, ErrorCodes, CoreErrorCode } from './errors.ts';
export { quoteIdent, quoteQualified } from './db.ts';
export type { CopyColumnType, CopyOptions, Db, DbKind, QueryResult, TransactionOptions } from './db.ts';
export { BinaryTuples } from './copy-binary.ts';
export type { BinaryScalar, BinaryType, TupleWriter } from './copy-binary.ts';
export { createLogger, lazyChildLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { loadSql } from './sql.ts';
export {
  AGGREGATE_BOOKMAKERS,
  DEVIG_METHODS,
  americanToDecimal,
  decimalToAmerican,
  decimalToFractional,
  devig,
  devigWith,
  fractionalToDecimal,
  impliedProbabilities,
  isAggregateBookmaker,
  isDecimalPrice,
  kellyStakes,
  overround,
  simultaneousKelly,
  singleKelly,
} from './odds.ts';
export type { DevigMethod, Devigged, KellyOptions } from './odds.ts';
export { looksLikeTypo, nameDistance, nameKey } from './names.ts';
export { createRandomStream, uniformAt, createSfc32, randomInt, shuffleInPlace, noRandom } from './rng.ts';
export { pairedBootstrap } from './bootstrap.ts';
export type { BootstrapInterval } from './bootstrap.ts';
export type { RandomStream, Sfc32Seeding } from './rng.ts';
