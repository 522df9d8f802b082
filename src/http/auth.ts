import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/index.ts';
import { authenticateKey, hasActiveKey, tokenFingerprint, type Actor, type Authentication, type Principal } from '../governance/index.ts';
import { accessOf as policyAccessOf, type Access } from './policy.ts';
import type { AppInstance } from './types.ts';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Why a presented key failed, for the 401 of the access check (kept per request, never logged). */
const failures = new WeakMap<FastifyRequest, string>();
const CACHE_LIMIT = 10_000;

/** Where the queue dashboard (bull-board) lives. */
export const QUEUES_PATH = '/ui/queues';
/**
 * The queue dashboard's key cookie, set by `POST /ui/queues/sign-in` (HttpOnly, SameSite=Strict,
 * Path=/ui/queues): bull-board's page fetches its API itself and cannot send a Bearer header.
 * Read under /ui/queues only; an Authorization header wins over it.
 */
export const QUEUES_COOKIE = 'sharpline_queues';

function underQueues(url: string): boolean {
  return url === QUEUES_PATH || url.startsWith(`${QUEUES_PATH}/`) || url.startsWith(`${QUEUES_PATH}?`);
}

function cookieToken(request: FastifyRequest): string | undefined {
  const cookie = request.headers.cookie;
  if (typeof cookie !== 'string' || !underQueues(request.url)) return undefined;
  for (const part of cookie.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === QUEUES_COOKIE) {
      const value = part.slice(at + 1).trim();
      try {
        return decodeURIComponent(value) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Verified keys of this server, by token fingerprint: scrypt runs once per key per cache lifetime. */
export interface KeyCache {
  get(token: string): Principal | undefined;
  set(token: string, principal: Principal): void;
  /** Forgets every entry (after this process rotates or revokes a key). */
  clear(): void;
}

function createKeyCache(ttlMs: number): KeyCache {
  const entries = new Map<string, { principal: Principal; until: number }>();
  return {
    get(token) {
      const fp = tokenFingerprint(token);
      const hit = entries.get(fp);
      if (!hit) return undefined;
      if (hit.until <= Date.now()) {
        entries.delete(fp);
        return undefined;
      }
      return hit.principal;
    },
    set(token, principal) {
      if (ttlMs <= 0) return;
      if (entries.size >= CACHE_LIMIT) entries.delete(entries.keys().next().value!);
      entries.set(tokenFingerprint(token), { principal, until: Date.now() + ttlMs });
    },
    clear: () => entries.clear(),
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    keyCache: KeyCache;
  }
}

/** The audit actor of a request: its key's owner, or `anonymous` when SHARPLINE_AUTH=off let it in without one. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  return p ? { name: p.name, role: p.role, keyPrefix: p.keyPrefix } : { name: 'anonymous', role: 'admin' };
}

function needsKey(access: Access, app: AppInstance): readonly string[] | 'any' | null {
  if (access === 'open') return null;
  if (access === 'metrics') return app.ctx.config.metricsAccess === 'open' ? null : 'any';
  if (access === 'docs') return app.ctx.config.docsAccess === 'open' ? null : 'any';
  return access;
}

/**
 * Authentication and the role check, before the body is read. Every route must have an entry in
 * the policy table: registering one without fails buildApp, so a new route cannot ship open by
 * accident. A presented key is resolved on every route (open ones too, so limits and logs see who
 * called); a bad key on an open route is ignored there, and refused where a key is needed.
 */
export function registerAuth(app: AppInstance, extraPolicy: Readonly<Record<string, Access>> = {}): void {
  const missing: string[] = [];
  const verifying = new Map<string, Promise<Authentication>>();
  const accessOf = (method: string, url: string): Access | undefined => extraPolicy[`${method === 'HEAD' ? 'GET' : method} ${url}`] ?? policyAccessOf(method, url);
  app.decorate('keyCache', createKeyCache(app.ctx.config.keyCacheSeconds * 1000));
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (!accessOf(method, route.url)) missing.push(`${method} ${route.url}`);
    // The OpenAPI document says which routes can answer 401/403.
    const access = accessOf(methods[0]!, route.url);
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    if (access && access !== 'open' && response) {
      response[401] ??= Type.Ref('ErrorBody');
      if (Array.isArray(access)) response[403] ??= Type.Ref('ErrorBody');
    }
  });
  app.addHook('onReady', async () => {
    if (missing.length) throw new Error(`routes without an access policy in src/http/policy.ts: ${missing.join(', ')}`);
  });
  if (app.ctx.config.auth === 'off') app.log.warn({}, 'SHARPLINE_AUTH=off: every route is open to anyone who can reach the port (local development only)');

  // Who is calling is known from the first hook on (logs, rate limits); whether they may is
  // decided in checkAccess, after the rate limit has counted the request, so guessing keys is
  // rate-limited like anything else.
  // A callback hook: a request whose key is cached (the usual one) or that has none is decided
  // without a promise and a turn of the microtask queue; only a first sight of a key waits.
  app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : cookieToken(request);
    if (token) {
      const cached = app.keyCache.get(token);
      if (cached) {
        identify(request, cached);
        return done();
      }
      // Concurrent first requests with one key share one scrypt check (and one key.used row).
      const fp = tokenFingerprint(token);
      let pending = verifying.get(fp);
      if (!pending) {
        pending = authenticateKey(app.ctx.db, token).finally(() => verifying.delete(fp));
        verifying.set(fp, pending);
      }
      pending.then((result) => {
        if (result.ok) {
          identify(request, result.principal);
          app.keyCache.set(token, result.principal);
        } else failures.set(request, result.reason);
      }).then(() => done(), done);
      return;
    }
    if (typeof header === 'string') failures.set(request, 'the Authorization header must be "Bearer <API key>"');
    done();
  });
}

/** Who a request is; `keyPrefix`, not `key`, in its logs: the redaction censors any field called `key`, and the prefix is public. */
function identify(request: FastifyRequest, principal: Principal): void {
  request.principal = principal;
  request.log = request.log.child({ keyPrefix: principal.keyPrefix });
}

/**
 * The access check of the policy table: 401 without a valid key where one is needed, 403 for a
 * role the route does not allow. Registered after the edge (security headers, rate limits), so
 * refusals carry the headers and count toward the caller's limit; still before the body is validated.
 */
export function registerAccessCheck(app: AppInstance, extraPolicy: Readonly<Record<string, Access>> = {}): void {
  const auth = app.ctx.config.auth;
  const accessOf = (method: string, url: string): Access => extraPolicy[`${method === 'HEAD' ? 'GET' : method} ${url}`] ?? policyAccessOf(method, url)!;
  // A route-level hook appended after the rate limit's own (which @fastify/rate-limit also adds per
  // route): an instance-level hook would run before it, and refused requests would go uncounted.
  // Who may call a route follows from the policy table and the configuration alone, both fixed at
  // start, so each route's answer per method is worked out here once; the caller's role is still
  // read per request (keys and roles change), and a callback hook costs an allowed request no promise.
  app.addHook('onRoute', (route) => {
    const existing = route.preValidation;
    const byMethod = new Map<string, readonly string[] | 'any' | null>();
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) byMethod.set(method, auth === 'off' ? null : needsKey(accessOf(method, route.url), app));
    const checkAccess = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      const allowed = byMethod.has(request.method) ? byMethod.get(request.method)! : auth === 'off' ? null : needsKey(accessOf(request.method, route.url), app);
      if (allowed === null) return done();
      if (!request.principal) return void refuseUnauthenticated(request, reply).then(done, done);
      if (allowed !== 'any' && !allowed.includes(request.principal.role)) {
        return done(new AppError('FORBIDDEN', `role ${request.principal.role} may not ${request.method} ${route.url} (allowed: ${allowed.join(', ')})`, {
          details: { route: `${request.method} ${route.url}`, role: request.principal.role, allowed },
        }));
      }
      done();
    };
    route.preValidation = [...(Array.isArray(existing) ? existing : existing ? [existing] : []), checkAccess];
  });
  /** The 401 of a request that needs a key and has none (or a bad one): why, as far as it may be told. */
  const refuseUnauthenticated = async (request: FastifyRequest, reply: FastifyReply): Promise<never> => {
    const url = request.routeOptions.url!;
    void reply.header('www-authenticate', 'Bearer realm="sharpline"');
    const hint = failures.get(request) ?? (underQueues(url) ? `the queue dashboard needs an admin key: sign in at ${QUEUES_PATH}/sign-in` : undefined) ?? ((await hasActiveKey(app.ctx.db)) ? 'this route needs an API key: send Authorization: Bearer <key>' : 'this route needs an API key, and none exists yet: create one with `sharpline keys create --name <you> --role admin`');
    throw new AppError('UNAUTHENTICATED', hint, { details: { route: `${request.method} ${url}` } });
  };
}
