import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { type CopyOptions, type Db, type QueryResult, type TransactionOptions, quoteIdent, quoteQualified } from '../../core/index.ts';
import { plainValue, typedText } from './encode.ts';

type PgliteTarget = PGlite | Transaction;

// Rows per INSERT statement in copyRows: bounded so one statement's parameters stay small.
const INSERT_BATCH_ROWS = 2000;

class PgliteHandle implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly root: PGlite,
    private readonly tx: Transaction | undefined,
    private readonly queue: { tail: Promise<unknown> },
  ) {}

  private get target(): PgliteTarget {
    return this.tx ?? this.root;
  }

  /**
   * PGlite runs one statement at a time on one connection. Outside a transaction every
   * call is queued behind the previous one so a concurrent transaction never interleaves.
   */
  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    if (this.tx) return fn();
    const next = this.queue.tail.then(fn, fn);
    this.queue.tail = next.catch(() => undefined);
    return next;
  }

  query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.serialise(async () => {
      const result = await this.target.query(sql, params.map(plainValue));
      const rows = result.rows as R[];
      return { rows, rowCount: result.affectedRows ?? rows.length };
    });
  }

  exec(sql: string): Promise<void> {
    return this.serialise(async () => {
      await this.target.exec(sql);
    });
  }

  /** One transaction at a time on PGlite's one connection, so `options.lock` needs no lock. */
  transaction<T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.tx) return fn(this);
    return this.serialise(() =>
      this.root.transaction(async (tx) => {
        if (options.isolation) await tx.exec(`SET TRANSACTION ISOLATION LEVEL ${options.isolation === 'serializable' ? 'SERIALIZABLE' : 'REPEATABLE READ'}`);
        return fn(new PgliteHandle(this.root, tx, this.queue));
      }),
    );
  }

  async copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options: CopyOptions = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const types = options.types;
    const cols = columns.map(quoteIdent).join(', ');
    for (let start = 0; start < rows.length; start += INSERT_BATCH_ROWS) {
      const batch = rows.slice(start, start + INSERT_BATCH_ROWS);
      // One text[] parameter per column; Postgres casts each element to the column's type.
      const arrays = columns.map((_, c) => batch.map((row) => {
        if (types) return typedText(row[c], types[c]!);
        const v = plainValue(row[c]);
        return v === null ? null : String(v);
      }));
      const typed = await this.columnTypes(table, columns);
      const selects = columns.map((_, c) => `u.c${c}::${typed[c]}`).join(', ');
      const unnest = columns.map((_, c) => `$${c + 1}::text[]`).join(', ');
      const aliases = columns.map((_, c) => `c${c}`).join(', ');
      await this.query(
        `INSERT INTO ${quoteQualified(table)} (${cols}) SELECT ${selects} FROM unnest(${unnest}) AS u(${aliases})`,
        arrays,
      );
    }
    return rows.length;
  }

  private readonly typeCache = new Map<string, string[]>();

  private async columnTypes(table: string, columns: readonly string[]): Promise<string[]> {
    const key = table + '|' + columns.join(',');
    const cached = this.typeCache.get(key);
    if (cached) return cached;
    const { rows } = await this.query<{ attname: string; type: string }>(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [table],
    );
    const byName = new Map(rows.map((r) => [r.attname, r.type]));
    const types = columns.map((c) => {
      const t = byName.get(c);
      if (!t) throw new Error(`copyRows: column ${c} not found in ${table}`);
      return t;
    });
    this.typeCache.set(key, types);
    return types;
  }

  /** The PGlite instance itself (the template builder dumps its data directory). */
  get raw(): PGlite {
    return this.root;
  }

  async close(): Promise<void> {
    if (this.tx) return;
    if (!this.root.closed) await this.root.close();
  }
}

export interface PgliteDbOptions {
  /** Folder to persist into; undefined keeps the database in memory (tests). */
  dataDir?: string;
  schema?: string;
  /**
   * Start a new database (in memory, or a folder without one yet) from the migrated template
   * (template.ts) instead of running initdb and every migration. Callers still run `migrate()`,
   * which then applies only what the template lacks. Ignored with `schema` (the template's
   * tables live in public) and for a folder that already holds a database. Read by the callers
   * (index.ts, embedded.ts), which pass `from`.
   */
  template?: boolean;
  /** A dumped data directory to start from, and the SQL run once it is loaded. */
  from?: { data: Blob; redraw: string };
}

/** A `Db` over an in-process PGlite database (the embedded default). */
export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<Db> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const fresh = !options.dataDir || !existsSync(join(options.dataDir, 'PG_VERSION'));
  const root = await openRoot(options.dataDir, fresh ? options.from : undefined);
  if (options.schema) {
    await root.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}; SET search_path TO ${quoteIdent(options.schema)}, public;`);
  }
  return new PgliteHandle(root, undefined, { tail: Promise.resolve() });
}

async function openRoot(dataDir: string | undefined, from: PgliteDbOptions['from']): Promise<PGlite> {
  const place = dataDir ? { dataDir } : {};
  if (!from) return PGlite.create(place);
  const root = await PGlite.create({ ...place, loadDataDir: from.data });
  await root.exec(from.redraw);
  return root;
}
