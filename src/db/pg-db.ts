import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BinaryType, type TupleWriter, type CopyOptions, type Db, type QueryResult, type TransactionOptions, BinaryTuples, quoteIdent, quoteQualified, AppError } from '../../core/index.ts';
import { errorText, redactUrl, type OutageLog } from '../outage.ts';
import { copyText } from './encode.ts';

type Queryable = pg.Pool | pg.PoolClient;

// bigint (int8) and numeric come back as strings by default; our ids fit in doubles.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * A transaction lock's second key, `hashtext(<current schema>:<key>)`: what the locks guard (a
 * feature set's rows, the audit chain, a provider's matches) lives in the connection's schema, so
 * holders in two schemas of one database never wait for each other.
 */
const SCOPED_LOCK_KEY = "hashtext(current_schema() || ':' || $2)";

/** SQLSTATEs and socket errors that mean "Postgres is not there", not "this statement is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  '57P01', '57P02', '57P03', // admin / crash shutdown, cannot connect now (starting up or shutting down)
  '3D000', '28000', '28P01', // no such database, authorisation failed
  '53300', // too many connections
]);
const UNAVAILABLE_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly/i;

function isUnavailable(error: unknown): boolean {
  if (error instanceof AppError) return false;
  const e = error as { code?: string; message?: string; errors?: unknown[] };
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return (e?.code !== undefined && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) || UNAVAILABLE_MESSAGES.test(e?.message ?? '');
}

interface Target {
  /** The URL without its password, for messages. */
  url: string;
  outage?: OutageLog;
}

class PgHandle implements Db {
  readonly kind = 'pg' as const;
  constructor(
    private readonly pool: pg.Pool,
    private readonly client: pg.PoolClient | undefined,
    private readonly where: Target,
  ) {}

  private get target(): Queryable {
    return this.client ?? this.pool;
  }

  /**
   * A lost or refused connection becomes DATABASE_UNAVAILABLE (503) naming Postgres and
   * DATABASE_URL; every other error passes through unchanged.
   */
  private fail(error: unknown): unknown {
    if (!isUnavailable(error)) return error;
    this.where.outage?.failed(error);
    return new AppError('DATABASE_UNAVAILABLE', `Postgres at ${this.where.url} (DATABASE_URL): ${errorText(error)}`, {
      cause: error,
      details: { database: this.where.url },
    });
  }

  private answered(startedAt: number): void {
    if (this.where.outage?.down) this.where.outage.recovered({ startedAt });
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const startedAt = Date.now();
    try {
      const result = await this.target.query(sql, params as unknown[]);
      this.answered(startedAt);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw this.fail(error);
    }
  }

  async exec(sql: string): Promise<void> {
    const startedAt = Date.now();
    try {
      await this.target.query(sql);
      this.answered(startedAt);
    } catch (error) {
      throw this.fail(error);
    }
  }

  /**
   * A client of our own for a transaction or a COPY, and how to hand it back. pg-pool listens for
   * errors only on idle clients: a checked-out client whose server goes away emits 'error' with
   * nobody listening, which would crash the process, so we listen while we hold it. A client
   * whose connection failed is destroyed on release, never handed out again.
   */
  private async connect(): Promise<{ client: pg.PoolClient; release(error: unknown): void }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.fail(error);
    }
    let broken: unknown;
    const onError = (error: unknown) => {
      broken = error;
      this.where.outage?.failed(error);
    };
    client.on('error', onError);
    return {
      client,
      release: (error: unknown) => {
        client.off('error', onError);
        const lost = broken ?? (isUnavailable(error) || (error instanceof AppError && error.code === 'DATABASE_UNAVAILABLE') ? error : undefined);
        client.release(lost ? (lost as Error) : undefined);
      },
    };
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { lock } = options;
    if (this.client) {
      if (lock) await this.query(`SELECT pg_advisory_xact_lock($1, ${SCOPED_LOCK_KEY})`, [lock.classId, lock.key]);
      return fn(this);
    }
    const startedAt = Date.now();
    const { client, release } = await this.connect();
    let failure: unknown;
    // The lock's integer key as granted, so the unlock names the same key whatever the search_path is by then.
    let lockKey: number | undefined;
    try {
      if (lock) {
        // A session lock taken before BEGIN: the snapshot (taken at the first statement after
        // BEGIN) then postdates the previous holder's commit.
        await client.query("SELECT set_config('lock_timeout', $1, false)", [`${Math.max(1, Math.round(lock.timeoutMs))}ms`]);
        try {
          lockKey = (await client.query<{ key: number }>(`SELECT ${SCOPED_LOCK_KEY} AS key, pg_advisory_lock($1, ${SCOPED_LOCK_KEY})`, [lock.classId, lock.key])).rows[0]!.key;
        } catch (error) {
          if ((error as { code?: string }).code === '55P03') {
            throw new AppError('SERVICE_UNAVAILABLE', `timed out after ${Math.round(lock.timeoutMs / 1000)} s waiting for ${lock.what}`, { details: { waitedMs: lock.timeoutMs }, cause: error });
          }
          throw error;
        } finally {
          await client.query("SELECT set_config('lock_timeout', '0', false)").catch(() => undefined);
        }
      }
      await client.query(options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation === 'serializable' ? 'SERIALIZABLE' : 'REPEATABLE READ'}` : 'BEGIN');
      try {
        const result = await fn(new PgHandle(this.pool, client, this.where));
        await client.query('COMMIT');
        this.answered(startedAt);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      failure = error;
      throw this.fail(error);
    } finally {
      if (lockKey !== undefined) {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [lock!.classId, lockKey]).catch((error: Error) => {
          // A connection that may still hold the lock is closed rather than pooled.
          failure ??= error;
          if (!isUnavailable(failure)) failure = Object.assign(new Error('advisory unlock failed'), { code: '08006', cause: error });
        });
      }
      release(failure);
    }
  }

  /** Runs `run` on this transaction's client, or on a pooled client of its own. */
  private async onClient<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.client) return run(this.client).catch((error: unknown) => Promise.reject(this.fail(error)));
    const { client, release } = await this.connect();
    let failure: unknown;
    try {
      return await run(client);
    } catch (error) {
      failure = error;
      throw this.fail(error);
    } finally {
      release(failure);
    }
  }

  async copyBinary(
    table: string, columns: readonly string[], types: readonly BinaryType[], rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]> | TupleWriter,
  ): Promise<number> {
    if (types.length !== columns.length) throw new AppError('INTERNAL', `copyBinary: ${columns.length} columns, ${types.length} types`);
    return this.onClient(async (client) => {
      const sql = `COPY ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT binary)`;
      const stream = client.query(copyFrom(sql));
      const tuples = new BinaryTuples(types);
      // A sync source stays sync: an await per row costs more than encoding it.
      function* syncChunks(source: Iterable<readonly unknown[]>) {
        for (const row of source) {
          tuples.add(row);
          const chunk = tuples.take();
          if (chunk) yield chunk;
        }
        yield tuples.end();
      }
      async function* asyncChunks(source: AsyncIterable<readonly unknown[]>) {
        for await (const row of source) {
          tuples.add(row);
          const chunk = tuples.take();
          if (chunk) yield chunk;
        }
        yield tuples.end();
      }
      // A writer fills the encoder itself and yields when a chunk may be sent.
      function* written(writer: TupleWriter) {
        for (const _ of writer(tuples)) {
          const chunk = tuples.take();
          if (chunk) yield chunk;
        }
        yield tuples.end();
      }
      const chunks = typeof rows === 'function' ? written(rows) : Symbol.iterator in rows ? syncChunks(rows as Iterable<readonly unknown[]>) : asyncChunks(rows as AsyncIterable<readonly unknown[]>);
      await pipeline(Readable.from(chunks), stream);
      return tuples.rows;
    });
  }

  async copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options: CopyOptions = {}): Promise<number> {
    if (rows.length === 0) return 0;
    // Typed columns go in COPY's binary format: the one encoder, core's BinaryTuples.
    if (options.types) return this.copyBinary(table, columns, options.types, rows);
    const run = async (client: pg.PoolClient) => {
      const sql = `COPY ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
      const stream = client.query(copyFrom(sql));
      function* lines() {
        let chunk = '';
        for (const row of rows) {
          // Numbers and nulls (most of an import's values) skip copyText's checks.
          for (let c = 0; c < row.length; c++) {
            const v = row[c];
            const text = typeof v === 'number' ? String(v) : v === null ? '\\N' : copyText(v);
            chunk += c === 0 ? text : '\t' + text;
          }
          chunk += '\n';
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
    return this.onClient(run);
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
  /** Told about lost connections, so an outage is reported once (not per query). */
  outage?: OutageLog;
}

/** Longest wait for a pooled connection (a busy pool or an unanswering server), ms. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A `Db` over a `pg` Pool. */
export function createPgDb(connectionString: string, options: PgDbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    ...(options.schema ? { options: `-c search_path=${options.schema},public` } : {}),
  });
  // An idle client losing its connection (a Postgres restart) must not crash the process; the
  // pool drops that client and connects afresh on the next query.
  pool.on('error', (error) => options.outage?.failed(error));
  return new PgHandle(pool, undefined, { url: redactUrl(connectionString), outage: options.outage });
}
