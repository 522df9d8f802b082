import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setAlias } from '../../registry/index.ts';
import { createLogger } from '../../core/logger.ts';
import { createVersionTable } from '../../src/serving/version-table.ts';
import { createAliasWatcher } from '../../src/serving/alias-watcher.ts';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { registerTestModel } from './support.ts';

const logger = createLogger('silent');

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the model cache in two parts: a version table and an alias watcher', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestPgDb('serving_parts');
    await registerTestModel(t.db, { model: 'parts', seed: 41 });
    await registerTestModel(t.db, { model: 'parts', seed: 42, alias: null });
    await registerTestModel(t.db, { model: 'parts', seed: 43, alias: null, pending: true });
  });
  after(async () => t?.drop());

  it('the version table loads each version once, keeps no failed load, and retires what it evicts', async () => {
    const table = createVersionTable({ db: t.db, logger, load: { logger }, maxVersions: 1, retireAfterMs: 0 });
    try {
      const a = table.load('parts', 1);
      const b = table.load('parts', 1);
      assert.ok(a instanceof Promise);
      assert.equal(a, b, 'concurrent misses share one load');
      assert.equal(table.loaded('parts', 1), undefined, 'not loaded while loading');
      const v1 = await a;
      assert.equal(table.loaded('parts', 1), v1);
      assert.equal(table.load('parts', 1), v1, 'a hit is synchronous');

      await assert.rejects(async () => table.load('parts', 3), { code: 'MODEL_VERSION_NOT_READY' });
      assert.equal(table.size, 1, 'a failed load is not kept');

      const v2 = await table.load('parts', 2);
      table.evict((s) => s === v2);
      assert.deepEqual(table.loadedVersions().map((s) => s.version), [2], 'beyond maxVersions the one not in use goes');
      // Retired, it is released after the delay: a request still holding it is then told to retry.
      const unloaded = async () => v1.predict(new Float64Array(v1.featureNames.length), 1).then(() => false, (e: { code?: string }) => e.code === 'SERVICE_UNAVAILABLE');
      let released = false;
      const deadline = Date.now() + 5000;
      while (!(released = await unloaded()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(released, 'the evicted version was released');
    } finally {
      await table.close();
    }
  });

  it('the alias watcher notices a move by the alias stamp alone (no Redis), and stops when closed', async () => {
    let moves = 0;
    const watcher = createAliasWatcher({ db: t.db, logger, pollMs: 20, onMoved: async () => void moves++ });
    try {
      watcher.start();
      watcher.start();
      await until('the first poll', () => moves === 1);
      await setAlias(t.db, 'parts', 'champion', 2, 'test');
      await until('the move', () => moves === 2);
      await watcher.announce('parts'); // without Redis: nothing to tell, nothing thrown
    } finally {
      watcher.close();
    }
    const seen = moves;
    await setAlias(t.db, 'parts', 'champion', 1, 'test');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(moves, seen, 'a closed watcher reports nothing');
  });
});
