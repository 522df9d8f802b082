import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';
import { createTestApp } from '../support/app.ts';
import { registerTestModel } from '../serving/support.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

describe('model card (Markdown and JSON) and artifact downloads with their sha256, over HTTP and the CLI', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let dir: string;
  beforeAll(async () => {
    t = await createTestPgDb('t20_card');
    await registerTestModel(t.db, { model: 'card' });
    ({ app, ctx } = await createTestApp(t.db));
    dir = mkdtempSync(join(tmpdir(), 'sharpline-card-'));
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('GET …/card?format=json: intended use, windows, metrics, calibration, artifacts with sha256, known limits; the Markdown has the same sections', async () => {
    const json = await app.inject('/v1/models/card/versions/1/card?format=json');
    assert.equal(json.statusCode, 200, json.body);
    assert.match(json.headers['content-type'] as string, /^application\/json/);
    const card = json.json();
    for (const key of ['intendedUse', 'windows', 'metrics', 'calibration', 'artifacts', 'knownLimits']) assert.ok(key in card, key);
    assert.deepEqual(card.intendedUse.classes, ['home', 'draw', 'away']);
    assert.ok(card.knownLimits.length >= 3);
    assert.ok(card.artifacts.some((a: { kind: string; sha256: string }) => a.kind === 'onnx' && /^[0-9a-f]{64}$/.test(a.sha256)));
    const md = await app.inject('/v1/models/card/versions/1/card');
    assert.match(md.headers['content-type'] as string, /^text\/markdown/);
    for (const heading of ['# Model card: card v1', '## Intended use', '## Data windows', '## Out-of-sample scores', '## Calibration', '## Artifacts', '## Known limits']) assert.ok(md.body.includes(heading), heading);
  });

  it('GET …/artifacts/onnx sends the bytes with x-content-sha256; `sharpline models artifact` writes the same bytes and prints the same sha256', async () => {
    const res = await app.inject('/v1/models/card/versions/1/artifacts/onnx');
    assert.equal(res.statusCode, 200);
    const header = res.headers['x-content-sha256'] as string;
    assert.equal(createHash('sha256').update(res.rawPayload).digest('hex'), header);
    const out = join(dir, 'card.onnx');
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    const cli = spawnSync(process.execPath, [BIN, 'models', 'artifact', 'card', '1', 'onnx', '--out', out, '--json'], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const printed = JSON.parse(cli.stdout) as { sha256: string; bytes: number };
    assert.equal(printed.sha256, header);
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), header);
    const card = spawnSync(process.execPath, [BIN, 'models', 'card', 'card', '1', '--json'], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(card.status, 0, card.stderr);
    assert.equal((JSON.parse(card.stdout) as { model: string }).model, 'card');
  });
});
