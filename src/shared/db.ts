/**
 * The one query interface every store is written against. Two implementations:
 * a `pg` Pool (production, tests) and an in-process PGlite (embedded default).
 * A transaction is just another `Db` handle, so store functions take `db` first.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export type DbKind = 'pg' | 'pglite';

export interface Db {
  readonly kind: DbKind;
  /** Parameterised query ($1, $2 ...). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` inside one transaction on one connection; commits when it resolves,
   * rolls back when it throws. Nested calls reuse the outer transaction.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Bulk-loads rows into `table` (COPY FROM STDIN on pg, batched unnest INSERTs on PGlite,
   * which cannot take COPY FROM STDIN). Values are text-encoded by the caller's types:
   * null, string, number, boolean, Date, or objects (JSON).
   */
  copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<number>;
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
