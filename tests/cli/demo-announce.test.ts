import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createPgDb } from '../../src/db/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { createLogger } from '../../core/index.ts';
import { ALIAS_MOVED_CHANNEL } from '../../src/serving/index.ts';
import { BIN } from '../support/cli.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, assertRedisUp, uniqueName } from '../support/services.ts';

/**
 * The demo promotes its model to champion through the one promotion use case, so servers sharing its
 * database and Redis swap at once. It used to move the alias in the registry only, announcing nothing.
 */
describe('sharpline demo announces its champion move', () => {
  const schema = uniqueName('demo_announce');
  const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
  const home = mkdtempSync(join(tmpdir(), 'sharpline-demo-announce-'));
  const env: Record<string, string> = {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: TEST_REDIS_URL,
    SHARPLINE_QUEUE_PREFIX: `test-${schema}`,
    SHARPLINE_HOME: home,
    LOG_LEVEL: 'warn',
  };
  let worker: AppContext | undefined;
  let workers: { close(): Promise<void> } | undefined;
  const subscriber = new Redis(TEST_REDIS_URL, { lazyConnect: true });

  before(async () => {
    await assertRedisUp();
    await admin.exec(`CREATE SCHEMA ${schema}`);
    // With REDIS_URL the demo enqueues on BullMQ; this test's worker (same database, same prefix) trains.
    worker = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
    workers = startWorkers(worker, workerDefinitions);
    await subscriber.subscribe(ALIAS_MOVED_CHANNEL);
  });
  after(async () => {
    subscriber.disconnect();
    await workers?.close();
    await worker?.close();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('the move to champion reaches Redis, naming the model and the schema', async () => {
    const heard = new Promise<{ model: string; schema: string | null }>((resolve) => {
      subscriber.on('message', (_channel, message) => {
        const parsed = JSON.parse(message) as { model: string; schema: string | null };
        if (parsed.schema === schema) resolve(parsed);
      });
    });
    const demo = spawn(process.execPath, [BIN, 'demo', '--no-serve', '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => demo.on('exit', resolve));
    const timer = setTimeout(() => demo.kill(), 240_000);
    try {
      const status = await exited;
      assert.equal(status, 0, `demo failed:\n${stderr.slice(-3000)}`);
      const announcement = await Promise.race([heard, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no alias-move announcement from the demo within 2 s of its exit')), 2000))]);
      assert.deepEqual(announcement.model, 'soccer-demo');
    } finally {
      clearTimeout(timer);
      demo.kill();
    }
  });
});
