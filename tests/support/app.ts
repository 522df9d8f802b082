import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues, type JobQueues } from '../../src/jobs/index.ts';
import { createLogger } from '../../core/logger.ts';
import { buildApp, type AppInstance, type BuildAppOptions } from '../../src/http/app.ts';
import { createKey, operatorActor, type KeyRole } from '../../src/governance/index.ts';
import type { Db } from '../../core/db.ts';

/** A context around an already-migrated test database, quiet logs, in-process jobs unless given. */
export async function createTestContext(db: Db, options: { queues?: JobQueues; env?: Record<string, string> } = {}): Promise<AppContext> {
  // Tests drive one address far past any role's limit; the limits are tested on their own (tests/governance/edge.test.ts).
  const config = loadConfig({ LOG_LEVEL: 'silent', SHARPLINE_RATE_LIMIT: 'off', ...options.env });
  return createContext(config, { db, queues: options.queues ?? createInProcessQueues(), logger: createLogger('silent'), migrate: false });
}

/** Creates a key of `role` (owner `name`) and returns its token. */
export async function createTestKey(db: Db, role: KeyRole = 'admin', name = `test-${role}`): Promise<string> {
  return (await createKey(db, operatorActor('tests'), { name, role })).token;
}

/**
 * Makes `app.inject` send `Authorization: Bearer <token>` unless the request sets its own
 * authorization header (or `authorization: ''` to send none).
 */
export function injectWithKey(app: AppInstance, token: string): AppInstance {
  const inject = app.inject.bind(app) as (opts: unknown) => unknown;
  (app as { inject: unknown }).inject = (opts: string | { headers?: Record<string, string> }) => {
    const options: { url?: string; headers?: Record<string, string> } = typeof opts === 'string' ? { url: opts } : opts;
    const headers = { authorization: `Bearer ${token}`, ...options.headers };
    if (headers.authorization === '') delete (headers as { authorization?: string }).authorization;
    return inject({ ...options, headers });
  };
  return app;
}

/** The owner of the key buildTestApp's requests carry (what alias moves and audit rows record). */
export const TEST_ADMIN = 'test-admin';

/** buildApp plus an admin key every `app.inject` carries (the routes' roles are tested in tests/http/access.test.ts). */
export async function buildTestApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<AppInstance> {
  const app = await buildApp(ctx, options);
  return injectWithKey(app, await createTestKey(ctx.db, 'admin', TEST_ADMIN));
}

/**
 * Readies the app and makes one authenticated request, so the key's scrypt check (tens of ms,
 * more on a loaded machine) is cached before a test's own first request.
 */
export async function readyWithKey(app: AppInstance): Promise<void> {
  await app.ready();
  await app.inject({ method: 'GET', url: '/v1/models' });
}

export async function createTestApp(db: Db, options: { queues?: JobQueues; env?: Record<string, string> } = {}): Promise<{ app: AppInstance; ctx: AppContext }> {
  const ctx = await createTestContext(db, options);
  const app = await buildTestApp(ctx);
  await readyWithKey(app);
  return { app, ctx };
}
