import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db, QueryResult, TransactionOptions } from '../shared/db.ts';
import { AppError } from '../shared/errors.ts';
import { quoteIdent, quoteQualified } from '../shared/db.ts';
import { copyText } from './encode.ts';

type Queryable = pg.Pool | pg.PoolClient;

// bigint (int8) and numeric come back as strings by default; our ids fit in doubles.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

class PgHandle implements Db {
  readonly kind = 'pg' as const;
  constructor(
    private readonly pool: pg.Pool,
    private readonly client: pg.PoolClient | undefined,
  ) {}

  private get target(): Queryable {
    return this.client ?? this.pool;
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const result = await this.target.query(sql, params as unknown[]);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.target.query(sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { lock } = options;
    if (this.client) {
      if (lock) await this.client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [lock.classId, lock.key]);
      return fn(this);
    }
    const client = await this.pool.connect();
    let broken: Error | undefined;
    let locked = false;
    try {
      if (lock) {
        // A session lock taken before BEGIN: the snapshot (taken at the first statement after
        // BEGIN) then postdates the previous holder's commit.
        await client.query("SELECT set_config('lock_timeout', $1, false)", [`${Math.max(1, Math.round(lock.timeoutMs))}ms`]);
        try {
          await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [lock.classId, lock.key]);
        } catch (error) {
          if ((error as { code?: string }).code === '55P03') {
            throw new AppError('SERVICE_UNAVAILABLE', `timed out after ${Math.round(lock.timeoutMs / 1000)} s waiting for ${lock.what}`, { details: { waitedMs: lock.timeoutMs }, cause: error });
          }
          throw error;
        } finally {
          await client.query("SELECT set_config('lock_timeout', '0', false)");
        }
        locked = true;
      }
      await client.query(options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation === 'serializable' ? 'SERIALIZABLE' : 'REPEATABLE READ'}` : 'BEGIN');
      try {
        const result = await fn(new PgHandle(this.pool, client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      if (locked) {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lock!.classId, lock!.key]).catch((error: Error) => {
          // A connection that may still hold the lock is closed rather than pooled.
          broken = error;
        });
      }
      client.release(broken);
    }
  }

  async copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<number> {
    if (rows.length === 0) return 0;
    const run = async (client: pg.PoolClient) => {
      const sql = `COPY ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
      const stream = client.query(copyFrom(sql));
      function* lines() {
        let chunk = '';
        for (const row of rows) {
          chunk += row.map(copyText).join('\t') + '\n';
          if (chunk.length > 1 << 16) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      }
      await pipeline(Readable.from(lines()), stream);
      return rows.length;
    };
    if (this.client) return run(this.client);
    const client = await this.pool.connect();
    try {
      return await run(client);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.client) return;
    if (!(this.pool as { ended?: boolean }).ended) await this.pool.end();
  }
}

export interface PgDbOptions {
  /** Schema put first on every connection's search_path (tests give each suite its own). */
  schema?: string;
  max?: number;
}

/** A `Db` over a `pg` Pool. */
export function createPgDb(connectionString: string, options: PgDbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema},public` } : {}),
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return new PgHandle(pool, undefined);
}
