import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppInstance } from './types.ts';
import type { RateLimitSubject } from '../config.ts';
import { AppError } from '../../core/index.ts';
import { isOipUrl, oipErrorBody } from './errors.ts';
import { INSTANCE_TABLE } from './instance-table.ts';
import { parseInstanceTable } from '../serving/index.ts';

/** Probes a load balancer or orchestrator sends; never rate limited. */
export const PROBES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/**
 * Content-Security-Policy of every response. Swagger UI (/docs) loads its scripts and styles from
 * this origin, sets inline styles on its elements and shows data: images, so `style-src` allows
 * inline styles and `img-src` data:; scripts come only from this origin (no inline script runs).
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  // The service may be reached over plain HTTP on a private network: do not force https.
  upgradeInsecureRequests: null,
};

/**
 * Helmet's security headers for CSP_DIRECTIVES, worked out once. None depends on the request (no
 * nonce, no per-request directive), and @fastify/helmet rebuilt the whole middleware, CSP parsing
 * included, on every request: a tenth of a small request's CPU.
 */
function securityHeaders(): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  } as unknown as ServerResponse;
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // Swagger UI and the index page load nothing cross-origin; keep the strict defaults otherwise.
    crossOriginEmbedderPolicy: false,
  })({} as IncomingMessage, res, (error?: unknown) => {
    if (error) throw error;
  });
  return [...headers];
}

/** `%00`, or percent-encoded bytes that are not UTF-8, or a raw control character, in a URL. */
function urlTextProblem(url: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'holds a control character';
  if (!url.includes('%')) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x25 /* % */ && /^[0-9a-fA-F]{2}$/.test(url.slice(i + 1, i + 3))) {
      bytes.push(parseInt(url.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(url[i]!, 'utf8'));
    }
  }
  if (bytes.includes(0)) return 'holds a NUL byte (%00)';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return 'holds percent-encoded bytes that are not UTF-8';
  }
  return undefined;
}

/** The path of the first string holding U+0000 in a parsed JSON value, if any. */
function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '/' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path}/${key.replaceAll('\u0000', '\\u0000')}`;
      const found = nulPath(item, `${path}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** How a number must be written in a URL: digits for an integer, a finite decimal for a number. */
const NUMERAL = { integer: /^-?\d{1,16}$/, number: /^-?(\d{1,16}(\.\d{0,16})?|\.\d{1,16})([eE][-+]?\d{1,3})?$/ } as const;

/** The numeric properties of a params or querystring schema, with the type each must be written as. */
function numericProperties(schema: unknown): Array<[name: string, type: keyof typeof NUMERAL]> {
  const properties = (schema as { properties?: Record<string, { type?: unknown; anyOf?: Array<{ type?: unknown }> }> } | undefined)?.properties;
  if (!properties) return [];
  const out: Array<[string, keyof typeof NUMERAL]> = [];
  for (const [name, property] of Object.entries(properties)) {
    const types = [property.type, ...(property.anyOf ?? []).map((b) => b.type)];
    if (types.includes('integer')) out.push([name, 'integer']);
    else if (types.includes('number')) out.push([name, 'number']);
  }
  return out;
}

/**
 * A request body as UTF-8 text, under the route's body limit (413 `FST_ERR_CTP_BODY_TOO_LARGE`
 * beyond it) and exactly as long as its `content-length` (400 `FST_ERR_CTP_INVALID_CONTENT_LENGTH`
 * otherwise): what Fastify's `parseAs: 'string'` reader does. A small request usually arrives
 * whole with its headers, its bytes already buffered in the request stream when the parser runs:
 * those are taken at once with `read()`. Fastify's reader switches the stream to flowing mode and
 * waits for 'data' and 'end', a few stream events and listener changes per request, ~2 µs of a
 * single-row prediction's ~50 (bench/serving.ts). Any other body (chunked, still arriving, a
 * stream replaced by a preParsing hook) is read that way, chunk by chunk.
 */
export function readBodyText(request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, text?: string) => void): void {
  readBodyBytes(request, payload, (error, bytes) => (error ? done(error) : done(null, bytes!.toString('utf8'))));
}

/** readBodyText's bytes, before they are decoded (the batch reader reads them as they are). */
export function readBodyBytes(request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, bytes?: Buffer) => void): void {
  const limit = request.routeOptions.bodyLimit ?? Infinity;
  const declared = Number(request.headers['content-length']);
  if (declared > limit) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  // Every declared byte buffered: the body is whole. Not `complete`: inside Fastify (async
  // onRequest hooks) the parser has buffered the bytes but not yet reached the message's end, so
  // a check of `complete` sent every keep-alive request after a connection's first down the
  // streamed path. The stream's own end then comes unread ('end' is not emitted, nothing here
  // waits for it); an abort still destroys the request and emits 'close'.
  if (payload === request.raw && !payload.readableFlowing) {
    if (payload.readableLength === declared) return takeBuffered(payload, done);
    // With only callback hooks before it (the service's are), the parser runs inside the HTTP
    // parser's 'request' event, before the body's bytes of the same packet have been pushed: by
    // the next tick they have been. Looked at once more then, rather than streamed at once (flowing
    // mode and a 'data' and an 'end' event per body, for nearly every small request).
    if (payload.readableLength < declared && !payload.readableEnded) return process.nextTick(lookAgain, payload, limit, declared, done);
  }
  readStreamed(payload, limit, declared, done);
}

function lookAgain(payload: IncomingMessage, limit: number, declared: number, done: (error: Error | null, bytes?: Buffer) => void): void {
  if (!payload.readableFlowing && payload.readableLength === declared) takeBuffered(payload, done);
  else readStreamed(payload, limit, declared, done);
}

/** The whole body, already buffered in the request stream, at once (see readBodyBytes). */
function takeBuffered(payload: IncomingMessage, done: (error: Error | null, bytes?: Buffer) => void): void {
  const bytes = payload.read() as Buffer | null;
  done(null, bytes === null ? EMPTY : bytes);
}

/** The body chunk by chunk, in flowing mode, to its end: what Fastify's own reader does. */
function readStreamed(payload: IncomingMessage, limit: number, declared: number, done: (error: Error | null, bytes?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limit) {
      detach();
      return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    }
    chunks.push(bytes);
  };
  const onEnd = (error?: Error & { statusCode?: number }) => {
    detach();
    if (error) {
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      return done(error);
    }
    if (!Number.isNaN(declared) && received !== declared) return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    done(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
  };
  const detach = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}

const EMPTY = Buffer.alloc(0);

function textInvalid(where: string, problem: string): AppError {
  return new AppError('REQUEST_TEXT_INVALID', `${where} ${problem}`, { details: { where } });
}

interface FailureCounter {
  read(ip: string): Promise<{ count: number; resetMs: number }>;
  add(ip: string): Promise<void>;
}

/**
 * Counts per address within a fixed window: in Redis (shared by the deployment's servers) when
 * there is one, else in memory (bounded: expired entries are dropped when it grows). A Redis
 * that does not answer counts nothing, like the rate limit.
 */
function createFailureCounter(redis: import('ioredis').Redis | undefined, prefix: string, windowMs: number): FailureCounter {
  if (redis) {
    return {
      async read(ip) {
        try {
          const [count, ttl] = await Promise.all([redis.get(prefix + ip), redis.pttl(prefix + ip)]);
          return { count: Number(count ?? 0), resetMs: ttl > 0 ? ttl : windowMs };
        } catch {
          return { count: 0, resetMs: 0 };
        }
      },
      async add(ip) {
        try {
          // The window restarts at each failure, so the key always expires windowMs after the last.
          await redis.multi().incr(prefix + ip).pexpire(prefix + ip, windowMs).exec();
        } catch {
          // Uncounted while Redis is away.
        }
      },
    };
  }
  const counts = new Map<string, { count: number; resetAt: number }>();
  const current = (ip: string) => {
    const entry = counts.get(ip);
    return entry && entry.resetAt > Date.now() ? entry : undefined;
  };
  return {
    async read(ip) {
      const entry = current(ip);
      return entry ? { count: entry.count, resetMs: entry.resetAt - Date.now() } : { count: 0, resetMs: 0 };
    },
    async add(ip) {
      const entry = current(ip);
      if (entry) entry.count++;
      else {
        if (counts.size >= 10_000) for (const [key, e] of counts) if (e.resetAt <= Date.now()) counts.delete(key);
        counts.set(ip, { count: 1, resetAt: Date.now() + windowMs });
      }
    },
  };
}

/**
 * Fastify's router refuses a URL it cannot decode (`%FF`) before any hook runs; this answers it
 * in the service's error shape, like the other text problems.
 */
export function frameworkError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const known = error.code === 'FST_ERR_BAD_URL';
  const body = known
    ? textInvalid('the URL', 'holds percent-encoded bytes that are not UTF-8').toBody()
    : { error: { code: 'VALIDATION_FAILED' as const, message: error.message } };
  void reply.status(400).send(isOipUrl(request.url) ? oipErrorBody(body) : body);
}

/**
 * Everything between the network and the routes: text every route can trust (no NUL, valid
 * UTF-8), rate limits per key and role, security headers, CORS, and body bounds per route.
 * Registered before the routes, so every route — /docs and /openapi.json included — gets it.
 */
export async function registerEdge(app: AppInstance): Promise<void> {
  const { config, deployment } = app.ctx;
  const edge = config.edge;

  // Postgres refuses U+0000 in text (and the router does not), so a NUL that got through
  // answered 500; refusing it here covers every path and query parameter of every route.
  // A callback hook: an async one costs every request a promise and a microtask turn.
  app.addHook('onRequest', (request, _reply, done) => {
    const problem = urlTextProblem(request.url);
    done(problem ? textInvalid('the URL', problem) : undefined);
  });

  // JSON bodies: read by readBodyText (the route's body limit and the declared length enforced
  // as Fastify does), parsed by Fastify's own parser (prototype-poisoning checks kept), then
  // U+0000 in any string. The walk runs only when the text holds an escaped NUL at all.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (request, payload, done) => {
    readBodyBytes(request, payload as IncomingMessage, (error, bytes) => {
      if (error) return done(error, undefined);
      // A route that takes instance tables (the predict route) gets a batch of the usual form as
      // one, read from the bytes (serving/instance-table.ts); every other body is parsed as JSON.
      if (request.routeOptions.config?.instanceTable) {
        const table = parseInstanceTable(bytes!);
        if (table) return done(null, { [INSTANCE_TABLE]: table });
      }
      const body = bytes!.toString('utf8');
      parseJson(request, body, (error, value) => {
        if (error) return done(error, undefined);
        if (/\\u0000/i.test(body)) {
          const at = nulPath(value);
          if (at) return done(textInvalid(`body${at}`, 'holds a NUL character (\\u0000)'), undefined);
        }
        done(null, value);
      });
    });
  });

  // Routes that do not declare their own body bound get the small default; batch routes declare
  // theirs (predictBodyLimitBytes).
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= edge.bodyLimitBytes;
    // Ajv coerces 'Infinity', '1e309', '0x10' and ' 7' into numbers that pass `integer` and
    // `maximum` (Infinity reached Postgres as a LIMIT and answered 500), so a numeric parameter
    // is checked as text first: digits for an integer, a finite decimal for a number.
    const numeric = [
      ...numericProperties(route.schema?.querystring).map(([name, type]) => ['querystring', name, type] as const),
      ...numericProperties(route.schema?.params).map(([name, type]) => ['params', name, type] as const),
    ];
    if (!numeric.length) return;
    // A callback hook, not an async one: most requests send none of these parameters, and an
    // async hook costs every request a promise and a turn of the microtask queue.
    const check = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      let problems: Array<{ path: string; message: string }> | undefined;
      for (const [part, name, type] of numeric) {
        const raw = (part === 'querystring' ? request.query : request.params) as Record<string, unknown> | undefined;
        const value = raw?.[name];
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) {
          if (typeof item === 'string' && (!NUMERAL[type].test(item) || !Number.isFinite(Number(item)))) {
            (problems ??= []).push({ path: `${part}/${name}`, message: `must be ${type === 'integer' ? 'a whole number written in digits' : 'a finite decimal number'}, got ${JSON.stringify(item.slice(0, 40))}` });
          }
        }
      }
      done(problems ? new AppError('VALIDATION_FAILED', problems.map((p) => `${p.path} ${p.message}`).join('; '), { details: problems }) : undefined);
    };
    route.preValidation = [check, ...(route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation])];
  });

  const security = securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    // On the raw response, as helmet sets them: a route's own reply.header (the queue board's CSP) still wins.
    for (const [name, value] of security) reply.raw.setHeader(name, value);
    done();
  });

  if (edge.corsOrigins.length) {
    await app.register(cors, {
      origin: edge.corsOrigins.includes('*') ? '*' : [...edge.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }

  const limits = edge.rateLimit;
  if (limits) {
    const subject = (request: FastifyRequest): RateLimitSubject => request.principal?.role ?? 'anonymous';
    let redis: import('ioredis').Redis | undefined;
    if (config.redisUrl) {
      const { Redis } = await import('ioredis');
      // Counting must never hold a request: no offline queue, one attempt, a short timeout; when
      // Redis is away requests pass uncounted (skipOnError) and the queues report the outage.
      redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, lazyConnect: false });
      redis.on('error', () => undefined);
      // Commands before the connection is ready would fail (no offline queue) and pass uncounted:
      // wait for it, at most 2 s (a Redis that is down is the queues' outage to report).
      const connecting = redis;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        const done = () => {
          clearTimeout(timer);
          connecting.off('ready', done);
          connecting.off('error', done);
          resolve();
        };
        connecting.once('ready', done);
        connecting.once('error', done);
      });
      app.addHook('onClose', async () => {
        redis?.disconnect();
      });
    }
    // Failed authentications are counted per address before a key is checked: a client guessing
    // keys (or replaying a revoked one) is refused 429 without the key's hash check (scrypt, tens
    // of ms of CPU each) once it has failed maxAuthFailures times in the window.
    const failures = createFailureCounter(redis, `${deployment.queuePrefix}:auth-failures:`, limits.windowSeconds * 1000);
    app.addHook('onRequest', async (request, reply) => {
      const { count, resetMs } = await failures.read(request.ip);
      if (count < limits.maxAuthFailures) return;
      const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
      void reply.header('retry-after', String(retryAfter));
      throw new AppError('RATE_LIMITED', `${count} failed authentications from this address in ${limits.windowSeconds} s; retry after ${retryAfter} s`, {
        details: { limit: limits.maxAuthFailures, windowSeconds: limits.windowSeconds, retryAfterSeconds: retryAfter, subject: 'failed-authentication' },
      });
    });
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 401) await failures.add(request.ip);
    });
    await app.register(rateLimit, {
      global: true,
      // After the auth hook (onRequest) has named the key, before the body is validated.
      hook: 'preValidation',
      timeWindow: limits.windowSeconds * 1000,
      max: (request) => limits.maxByRole[subject(request)],
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
      allowList: (request) => PROBES.has(request.url.split('?')[0]!),
      ...(redis ? { redis, nameSpace: `${deployment.queuePrefix}:rate-limit:`, skipOnError: true } : {}),
      errorResponseBuilder: (request, context) =>
        new AppError('RATE_LIMITED', `more than ${context.max} requests in ${limits.windowSeconds} s for ${request.principal ? `key ${request.principal.keyPrefix}` : 'this address'} (${subject(request)}); retry after ${Math.ceil(context.ttl / 1000)} s`, {
          details: { limit: context.max, windowSeconds: limits.windowSeconds, retryAfterSeconds: Math.ceil(context.ttl / 1000), subject: subject(request) },
        }),
    });
  }
}
