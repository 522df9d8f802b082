import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues, type JobQueues } from '../../src/jobs/index.ts';
import { createLogger } from '../../core/logger.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import type { Db } from '../../core/db.ts';

/** A context around an already-migrated test database, quiet logs, in-process jobs unless given. */
export async function createTestContext(db: Db, options: { queues?: JobQueues; env?: Record<string, string> } = {}): Promise<AppContext> {
  // Tests drive one address far past any role's limit; the limits are tested on their own (tests/governance/edge.test.ts).
  const config = loadConfig({ LOG_LEVEL: 'silent', SHARPLINE_RATE_LIMIT: 'off', ...options.env });
  return createContext(config, { db, queues: options.queues ?? createInProcessQueues(), logger: createLogger('silent'), migrate: false });
}

export async function createTestApp(db: Db, options: { queues?: JobQueues; env?: Record<string, string> } = {}): Promise<{ app: AppInstance; ctx: AppContext }> {
  const ctx = await createTestContext(db, options);
  const app = await buildApp(ctx);
  await app.ready();
  return { app, ctx };
}
