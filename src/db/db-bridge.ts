/**
 * The embedded database bridge: a process holding a PGlite folder (serve, worker, demo) serves its
 * one connection to other processes on the same machine over a Unix socket (a named pipe on
 * Windows) beside the folder, so a CLI command run meanwhile works on the same database instead of
 * opening a second, diverging copy. Every `Db` call — queries, scripts, bulk loads and whole
 * transactions — crosses as one message; values are encoded with v8's structured serialisation,
 * so dates, byte arrays and bigints arrive as they left. The socket is the folder's owner's alone
 * (mode 0600): whoever may use it may read the folder anyway.
 */
import { createHash } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { type CopyOptions, type Db, type QueryResult, type TransactionOptions, AppError, type ErrorCode } from '../../core/index.ts';

/** A transaction left without a statement this long is rolled back, so a stuck client never blocks the holder. */
const TRANSACTION_IDLE_MS = 60_000;
/** Unix socket paths are limited to ~107 bytes; longer ones move to the temp folder. */
const MAX_SOCKET_PATH = 100;

/** One `Db` call; `tx` names a transaction the same connection opened with `begin`. */
type Call =
  | { op: 'query'; tx?: number; sql: string; params: readonly unknown[] }
  | { op: 'exec'; tx?: number; sql: string }
  | { op: 'copyRows'; tx?: number; table: string; columns: readonly string[]; rows: readonly (readonly unknown[])[]; options?: CopyOptions }
  | { op: 'begin'; options?: TransactionOptions }
  | { op: 'commit' | 'rollback'; tx: number };
type Request = Call & { id: number };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** Where the holder of `folder` listens. */
export function bridgeAddress(folder: string): string {
  const hash = createHash('sha256').update(folder).digest('hex').slice(0, 16);
  if (process.platform === 'win32') return `\\\\.\\pipe\\sharpline-${hash}`;
  const beside = join(dirname(folder), `${basename(folder)}.sock`);
  return beside.length <= MAX_SOCKET_PATH ? beside : join(tmpdir(), `sharpline-${hash}.sock`);
}

/** Length-prefixed v8-serialised frames in both directions. */
function frames(socket: Socket, onFrame: (value: unknown) => void): (value: unknown) => void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const size = pending.readUInt32BE(0);
      if (pending.length < 4 + size) break;
      const body = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      onFrame(deserialize(body));
    }
  });
  return (value) => {
    const body = serialize(value);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    socket.write(Buffer.concat([head, body]));
  };
}

/** An error as plain fields (SQLSTATE `code`, `detail` ... of a database error; an AppError's code). */
function errorFields(error: unknown): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  const fields: Record<string, unknown> = { message: e?.message ?? String(error), name: e?.name };
  for (const [k, v] of Object.entries(e ?? {})) if (['string', 'number', 'boolean'].includes(typeof v) || k === 'details') fields[k] = v;
  if (error instanceof AppError) fields.appCode = error.code;
  return fields;
}

function errorFrom(fields: Record<string, unknown>): Error {
  // The holder runs this same code, so a code it sends is one of ours (the edge's table knows them all).
  const appCode = fields.appCode;
  if (typeof appCode === 'string' && /^[A-Z][A-Z0-9_]*$/.test(appCode)) return new AppError(appCode as ErrorCode, String(fields.message), { details: fields.details });
  const { message, appCode: _a, ...rest } = fields;
  return Object.assign(new Error(String(message)), rest);
}

export interface DbBridgeServer {
  readonly address: string;
  /** Stops listening, rolls back open transactions of connected processes and disconnects them. */
  close(): Promise<void>;
}

/** Serves `db` on `address` (the caller holds the folder's lock, so a socket file there is stale). */
export async function serveDbBridge(db: Db, address: string): Promise<DbBridgeServer> {
  if (process.platform !== 'win32') rmSync(address, { force: true });
  const sockets = new Set<Socket>();
  // Statements and rollbacks under way: close() waits for them before the database closes.
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inflight.add(work);
    void work.finally(() => inflight.delete(work)).catch(() => undefined);
    return work;
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    const transactions = new Map<number, OpenTransaction>();
    let nextTx = 1;
    const send = frames(socket, (frame) => void track(handle(frame as Request)));
    const reply = (r: Reply) => {
      if (!socket.destroyed) send(r);
    };

    /** Opens a transaction on the holder's connection that stays open until commit, rollback or disconnect. */
    function begin(options: TransactionOptions | undefined): Promise<number> {
      return new Promise((resolve, reject) => {
        const id = nextTx++;
        let decide!: (commit: boolean) => void;
        const decided = new Promise<boolean>((r) => (decide = r));
        let timer: NodeJS.Timeout | undefined;
        const open: OpenTransaction = {
          tx: undefined,
          busy: () => clearTimeout(timer),
          idle: () => {
            clearTimeout(timer);
            timer = setTimeout(() => socket.destroy(), TRANSACTION_IDLE_MS);
          },
          async end(commit) {
            clearTimeout(timer);
            transactions.delete(id);
            decide(commit);
            await done.catch((error) => {
              if (!(error instanceof RollbackRequested)) throw error;
            });
          },
        };
        const done = db.transaction(async (tx) => {
          open.tx = tx;
          transactions.set(id, open);
          open.idle();
          resolve(id);
          if (!(await decided)) throw new RollbackRequested();
        }, options);
        // BEGIN itself failed (the transaction never opened): the client's begin fails.
        done.catch((error) => {
          if (!transactions.has(id) && !(error instanceof RollbackRequested)) reject(error);
        });
      });
    }

    async function handle(request: Request): Promise<void> {
      let open: OpenTransaction | undefined;
      try {
        let value: unknown;
        if (request.op === 'begin') value = await begin(request.options);
        else if (request.op === 'commit' || request.op === 'rollback') {
          open = transactions.get(request.tx);
          if (!open) throw new Error(`no open transaction ${request.tx}`);
          await open.end(request.op === 'commit');
          open = undefined;
        } else {
          if (request.tx !== undefined) {
            open = transactions.get(request.tx);
            if (!open) throw new Error(`no open transaction ${request.tx}`);
            open.busy();
          }
          const target = open?.tx ?? db;
          if (request.op === 'query') value = await target.query(request.sql, request.params);
          else if (request.op === 'exec') value = await target.exec(request.sql);
          else if (request.op === 'copyRows') value = await target.copyRows(request.table, request.columns, request.rows, request.options);
        }
        reply({ id: request.id, ok: true, value });
      } catch (error) {
        reply({ id: request.id, ok: false, error: errorFields(error) });
      } finally {
        open?.idle();
      }
    }

    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      // A client that went away mid-transaction: nothing of it is kept.
      for (const open of [...transactions.values()]) void track(open.end(false)).catch(() => undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (process.platform !== 'win32') chmodSync(address, 0o600);
  return {
    address,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

interface OpenTransaction {
  /** The holder's transaction handle, once BEGIN ran. */
  tx: Db | undefined;
  /** A statement runs: the idle clock stops. */
  busy(): void;
  /** Waiting for the client's next statement: rolled back after TRANSACTION_IDLE_MS. */
  idle(): void;
  end(commit: boolean): Promise<void>;
}

class RollbackRequested extends Error {}

/** What the client side shares between a connection's handles. */
interface Connection {
  call<T>(request: Call): Promise<T>;
  end(): void;
}

class BridgedHandle implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly connection: Connection,
    private readonly tx: number | undefined,
  ) {}

  query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.connection.call({ op: 'query', tx: this.tx, sql, params });
  }

  exec(sql: string): Promise<void> {
    return this.connection.call({ op: 'exec', tx: this.tx, sql });
  }

  copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options?: CopyOptions): Promise<number> {
    return this.connection.call({ op: 'copyRows', tx: this.tx, table, columns, rows, options });
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.tx !== undefined) return fn(this);
    const tx = await this.connection.call<number>({ op: 'begin', options });
    let result: T;
    try {
      result = await fn(new BridgedHandle(this.connection, tx));
    } catch (error) {
      await this.connection.call({ op: 'rollback', tx }).catch(() => undefined);
      throw error;
    }
    await this.connection.call({ op: 'commit', tx });
    return result;
  }

  async close(): Promise<void> {
    if (this.tx === undefined) this.connection.end();
  }
}

/**
 * A `Db` that runs every call in the process serving `address`. Rejects when nothing listens
 * there; once connected, a call fails with `DB_BRIDGE_CLOSED` if that process goes away.
 */
export async function connectDbBridge(address: string, holder: string): Promise<Db> {
  const socket = createConnection(address);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closed: Error | undefined;
  const send = frames(socket, (frame) => {
    const r = frame as Reply;
    const call = calls.get(r.id);
    calls.delete(r.id);
    if (r.ok) call?.resolve(r.value);
    else call?.reject(errorFrom(r.error));
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = new AppError('DB_BRIDGE_CLOSED', `the process holding the embedded database, ${holder}, stopped or dropped the connection during this command; nothing of an unfinished transaction was kept: run the command again`, { details: { holder } });
    for (const call of calls.values()) call.reject(closed);
    calls.clear();
  });
  const connection: Connection = {
    call<T>(request: Call): Promise<T> {
      if (closed) return Promise.reject(closed);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ ...request, id });
      });
    },
    end() {
      closed ??= new AppError('DB_BRIDGE_CLOSED', 'the bridged database was closed');
      socket.end();
    },
  };
  return new BridgedHandle(connection, undefined);
}
