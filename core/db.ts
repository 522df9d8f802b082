/**
 * The one query interface every store is written against. Two implementations:
 * a `pg` Pool (production, tests) and an in-process PGlite (embedded default).
 * A transaction is just another `Db` handle, so store functions take `db` first.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

import type { BinaryType, TupleWriter } from './copy-binary.ts';

export type DbKind = 'pg' | 'pglite';

export interface TransactionOptions {
  /** Isolation level of the transaction (default READ COMMITTED). */
  isolation?: 'repeatable read' | 'serializable';
  /**
   * An advisory lock `(classId, hashtext(<current schema>:key))` granted BEFORE the transaction
   * takes its snapshot and held until it ends: a REPEATABLE READ transaction then sees everything
   * the previous holder committed. Scoped by the connection's schema, as the data it guards is:
   * holders in other schemas of the same database never wait for it. Waiting longer than
   * `timeoutMs` fails with SERVICE_UNAVAILABLE naming `what`.
   */
  lock?: { classId: number; key: string; timeoutMs: number; what: string };
}

/**
 * Column types `copyRows` can send typed (`binary`): numbers stay numbers end to end, with no
 * decimal text written by Node and parsed back by Postgres (COPY's binary format on pg). Values:
 * `int8` a safe integer, `float8` a number, `float8[]` an array of numbers or nulls, `timestamptz`
 * epoch milliseconds or a Date; null anywhere. -0 is sent as 0, as the text encoding writes it.
 */
export type CopyColumnType = 'int8' | 'float8' | 'float8[]' | 'timestamptz';

export interface CopyOptions {
  /** One type per column: the rows are sent typed (see `CopyColumnType`) instead of as text. */
  types?: readonly CopyColumnType[];
}

export interface Db {
  readonly kind: DbKind;
  /** Parameterised query ($1, $2 ...). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` inside one transaction on one connection; commits when it resolves,
   * rolls back when it throws. Nested calls reuse the outer transaction (and its isolation;
   * a lock is then taken inside it).
   */
  transaction<T>(fn: (tx: Db) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Bulk-loads rows into `table` (COPY FROM STDIN on pg, batched unnest INSERTs on PGlite,
   * which cannot take COPY FROM STDIN). Values are text-encoded by the caller's types:
   * null, string, number, boolean, Date, or objects (JSON); with `options.types`, by those types.
   */
  copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options?: CopyOptions): Promise<number>;
  /**
   * Bulk-loads rows with a binary COPY (values sent as `types` say, not printed and parsed as
   * text): Postgres only, so callers check for it and fall back to `copyRows`. `rows` may be an
   * async iterable, so a caller can stream rows while it still produces them, or a `TupleWriter`
   * that writes the tuples field by field (no array per row). Resolves to the rows copied.
   */
  copyBinary?(table: string, columns: readonly string[], types: readonly BinaryType[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]> | TupleWriter): Promise<number>;
  /** Releases the pool or closes the embedded database. Idempotent. */
  close(): Promise<void>;
}

/** Quotes an SQL identifier (table/column/schema name) safely. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quotes a possibly schema-qualified name `schema.table`. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
