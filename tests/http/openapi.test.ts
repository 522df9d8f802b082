import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestContext, createTestKey } from '../support/app.ts';
import { operationsOf, requestArbitrary, urlOf } from '../support/fuzz.ts';
import { registerTestModel } from '../serving/support.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import { KEY_ROLES } from '../../src/governance/index.ts';
import type { AppContext } from '../../src/context.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/.bin/redocly');

type Doc = {
  servers?: unknown[];
  security?: unknown[];
  components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
  paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, unknown> }>; 'x-sharpline-roles'?: string[] }>>;
};

/** `redocly lint` on a document, with the repo's redocly.yaml; no telemetry, no update check. */
function redoclyLint(doc: unknown, dir: string): { status: number | null; problems: Array<{ ruleId: string; severity: string }> } {
  const file = join(dir, `doc-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const out = spawnSync(REDOCLY, ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000'], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 120_000,
  });
  const json = out.stdout.slice(out.stdout.indexOf('{'));
  return { status: out.status, problems: json ? (JSON.parse(json) as { problems: Array<{ ruleId: string; severity: string }> }).problems : [] };
}

describe('the OpenAPI document, checked by other people\'s tools', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  let doc: Doc;
  let dir: string;

  beforeAll(async () => {
    t = await createTestPgDb('t20_openapi');
    await registerTestModel(t.db, { model: 'oas' });
    // Rate limits on, as a deployment has them (429 must be documented), high enough not to hide other answers.
    const high = [...KEY_ROLES, 'anonymous'].map((r) => `${r}=1000000`).join(',');
    ctx = await createTestContext(t.db, { env: { SHARPLINE_RATE_LIMIT: high, SHARPLINE_AUTH_FAILURE_LIMIT: '1000000' } });
    app = await buildApp(ctx);
    await app.ready();
    doc = (await app.inject({ url: '/openapi.json' })).json() as Doc;
    dir = mkdtempSync(join(tmpdir(), 'sharpline-openapi-'));
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('@apidevtools/swagger-parser validates it (and refuses a broken copy)', async () => {
    await SwaggerParser.validate(structuredClone(doc) as never);
    const broken = structuredClone(doc);
    broken.paths['/v1/models']!.get!.responses['200'] = { content: { 'application/json': { schema: { $ref: '#/components/schemas/NoSuchSchema' } } } } as never;
    await assert.rejects(SwaggerParser.validate(broken as never), /NoSuchSchema|Token|resolve/);
  });

  it('`redocly lint` (recommended rules; operationId, 4xx, security, servers, license as errors) passes, and fails a broken copy', () => {
    const clean = redoclyLint(doc, dir);
    assert.deepEqual(clean.problems.filter((p) => p.severity === 'error'), []);
    assert.equal(clean.status, 0);
    const broken = structuredClone(doc);
    delete broken.servers;
    delete broken.paths['/v1/models']!.get!.operationId;
    const failed = redoclyLint(broken, dir);
    assert.notEqual(failed.status, 0);
    const rules = new Set(failed.problems.filter((p) => p.severity === 'error').map((p) => p.ruleId));
    assert.ok(rules.has('no-empty-servers') && rules.has('operation-operationId'), [...rules].join(', '));
  });

  it('declares servers, the bearer security scheme, an operationId on every operation, /metrics as text', () => {
    assert.ok(doc.servers?.length);
    assert.deepEqual(doc.components.securitySchemes?.apiKey, { ...doc.components.securitySchemes?.apiKey, type: 'http', scheme: 'bearer' });
    assert.deepEqual(doc.security, [{ apiKey: [] }]);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    assert.equal(doc.paths['/v1/models']!.get!.operationId, 'getV1Models');
    assert.equal(doc.paths['/v1/models/{name}/versions/{v}']!.get!.operationId, 'getV1ModelsByNameVersionsByV');
    assert.deepEqual(Object.keys(doc.paths['/metrics']!.get!.responses['200']!.content!), ['text/plain; version=0.0.4; charset=utf-8']);
    assert.deepEqual(doc.paths['/healthz']!.get!.security, [], 'an open route needs no key');
    assert.deepEqual(doc.paths['/v1/keys']!.get!['x-sharpline-roles'], ['admin']);
  });

  it('every 4xx a route answers is in its documented responses (no key, each role, seeded bad requests)', async () => {
    const ops = operationsOf(doc as never);
    const tokens = await Promise.all(KEY_ROLES.map((role) => createTestKey(t.db, role, `oas-${role}`)));
    const undocumented = new Set<string>();
    let seen = 0;
    const check = (method: string, path: string, status: number, url: string) => {
      if (status < 400 || status >= 500) return;
      seen += 1;
      if (!doc.paths[path]![method.toLowerCase()]!.responses[String(status)]) undocumented.add(`${method} ${path} answered ${status} (${url}) but documents only ${Object.keys(doc.paths[path]![method.toLowerCase()]!.responses).join(', ')}`);
    };
    for (const op of ops) {
      const url = op.path.replace(/\{[^}]+\}/g, (p) => (p === '{name}' ? 'oas' : p === '{v}' ? '1' : 'x'));
      for (const authorization of [undefined, ...tokens.map((tk) => `Bearer ${tk}`)]) {
        const res = await app.inject({ method: op.method, url, headers: authorization ? { authorization } : {}, ...(op.body ? { payload: {} } : {}) });
        check(op.method, op.path, res.statusCode, url);
      }
    }
    const admin = `Bearer ${tokens[KEY_ROLES.indexOf('admin')]}`;
    for (const req of fc.sample(requestArbitrary(ops), { seed: 20, numRuns: 400 })) {
      const url = urlOf(req.op, req.params, req.query);
      const res = await app.inject({ method: req.op.method, url, headers: { authorization: admin, ...(req.body ? { 'content-type': req.body.contentType } : {}) }, ...(req.body ? { payload: req.body.payload } : {}) });
      check(req.op.method, req.op.path, res.statusCode, url);
    }
    assert.ok(seen > 300, `only ${seen} 4xx answers seen`);
    assert.deepEqual([...undocumented], []);
  });

  it('a client generated from it (openapi-typescript + openapi-fetch) type-checks and makes real calls against a listening server', async () => {
    const clientDir = join(ROOT, 'tests/http/openapi-client');
    mkdirSync(join(clientDir, 'generated'), { recursive: true });
    writeFileSync(join(clientDir, 'generated/sharpline-api.ts'), astToString(await openapiTS(structuredClone(doc) as never)));
    // tsc checks the calls against the generated types: a path, parameter or body the document does not allow fails here.
    const tsconfig = join(clientDir, 'generated/tsconfig.json');
    writeFileSync(tsconfig, JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), compilerOptions: { noEmit: true, lib: ['ES2023', 'DOM'] }, include: [], files: [join(clientDir, 'calls.ts')] }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

    const token = await createTestKey(t.db, 'admin', 'oas-client');
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    // Imported by a computed path: the calls file is type-checked above against the generated
    // types, which exist only once this test has run (so `npm run typecheck` does not follow it).
    const callsModule = './openapi-client/calls.ts';
    const { exercise } = (await import(callsModule)) as { exercise: (baseUrl: string, token: string, model: string) => Promise<Record<string, unknown> & { probabilities: Record<string, number>; models: string[]; missingCode: string; metricsText: string; metricsType: string; runtime: string }> };
    const r = await exercise(`http://127.0.0.1:${address.port}`, token, 'oas');
    assert.equal(r.health, 'ok');
    assert.equal(r.role, 'admin');
    assert.ok(r.models.includes('oas'));
    assert.deepEqual(Object.keys(r.probabilities).sort(), ['away', 'draw', 'home']);
    assert.ok(Math.abs(Object.values(r.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.ok(r.runtime.length > 0);
    assert.equal(r.missingStatus, 404);
    assert.match(r.missingCode, /NOT_FOUND/);
    assert.equal(r.invalidStatus, 400);
    assert.equal(r.invalidCode, 'VALIDATION_FAILED');
    assert.match(r.metricsType, /^text\/plain/);
    assert.match(r.metricsText, /# TYPE sharpline_http_request_duration_seconds histogram/);
  });
});
