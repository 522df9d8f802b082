/**
 * A recorded-response replay server: answers HTTP requests from a recording (responses written
 * by hand in a provider's documented format), so tests and the replayed-fortnight walkthrough talk
 * to a provider without the network. An entry answers the first request whose method and path
 * match and whose query holds every parameter the entry names; `times` limits how often it
 * answers (then the next matching entry does: a 429 then a 200); `from`/`until` (ISO) limit it
 * to a window of the server's clock, which the caller sets (`setNow`) or which is read from a
 * clock file at each request (the file the schedules read as "now", SHARPLINE_CLOCK_FILE), so one
 * recording can replay days of a provider's answers in step with the schedules. Unmatched requests get 404 with a JSON message naming them.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AppError } from '../../core/index.ts';

export interface RecordedResponse {
  method?: string;
  path: string;
  query?: Record<string, string>;
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body, or text. */
  body?: unknown;
  /** A file (relative to the recording) whose bytes are the body. */
  bodyFile?: string;
  times?: number;
  from?: string;
  until?: string;
}

export interface Recording {
  responses: RecordedResponse[];
}

export interface ReplayedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Index of the entry that answered, null when none did. */
  entry: number | null;
  at: string;
}

export interface ReplayServer {
  url: string;
  port: number;
  /** Every request, in order. */
  readonly requests: ReplayedRequest[];
  setNow(at: Date): void;
  close(): Promise<void>;
}

/** Reads a recording file; `bodyFile` paths resolve against its folder. */
export async function loadRecording(path: string): Promise<Recording & { dir: string }> {
  let parsed: Recording;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Recording;
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', `${path}: not a readable recording (${(cause as Error).message})`, { cause });
  }
  if (!parsed || !Array.isArray(parsed.responses)) throw new AppError('VALIDATION_FAILED', `${path}: a recording is { "responses": [...] }`);
  return { ...parsed, dir: dirname(path) };
}

export interface ReplayServerOptions {
  port?: number;
  host?: string;
  now?: Date;
  /** A file holding an ISO time, read at every request as the server's clock (over `now`/`setNow`). */
  clockFile?: string;
}

/** The time in a clock file. @throws AppError VALIDATION_FAILED when it holds no ISO time */
function readClockFile(file: string): Date {
  const text = readFileSync(file, 'utf8').trim();
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', `clock file ${file}: expected an ISO time, got ${JSON.stringify(text.slice(0, 40))}`);
  return at;
}

export async function startReplayServer(recording: Recording & { dir?: string }, options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const used = recording.responses.map(() => 0);
  const requests: ReplayedRequest[] = [];
  let now = options.now ?? new Date();
  if (options.clockFile) readClockFile(options.clockFile); // a bad clock file fails the start, not every request
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (options.clockFile) now = readClockFile(options.clockFile);
      const url = new URL(req.url ?? '/', 'http://replay');
      const query = Object.fromEntries(url.searchParams.entries());
      const method = req.method ?? 'GET';
      const index = recording.responses.findIndex((r, i) =>
        (r.method ?? 'GET').toUpperCase() === method &&
        r.path === url.pathname &&
        Object.entries(r.query ?? {}).every(([k, v]) => query[k] === v) &&
        (r.times === undefined || used[i]! < r.times) &&
        (r.from === undefined || now.getTime() >= Date.parse(r.from)) &&
        (r.until === undefined || now.getTime() < Date.parse(r.until)));
      requests.push({ method, path: url.pathname, query, entry: index < 0 ? null : index, at: now.toISOString() });
      if (index < 0) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no recorded response for ${method} ${url.pathname}` }));
        return;
      }
      used[index]!++;
      const r = recording.responses[index]!;
      let body: Buffer;
      let type = 'application/json';
      if (r.bodyFile !== undefined) {
        body = await readFile(resolve(recording.dir ?? '.', r.bodyFile));
        type = r.bodyFile.endsWith('.csv') ? 'text/csv' : r.bodyFile.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      } else if (typeof r.body === 'string') {
        body = Buffer.from(r.body);
        type = 'text/plain';
      } else body = Buffer.from(JSON.stringify(r.body ?? null));
      res.writeHead(r.status ?? 200, { 'content-type': type, ...(r.headers ?? {}) }).end(body);
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (error as Error).message }));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
    setNow: (at) => {
      now = at;
    },
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}
