import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { createPgDb } from '../../src/db/index.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, hasSharedData, uniqueName } from '../support/services.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/**
 * The README's walkthroughs are executed, so the docs cannot rot: every ```sh block preceded by
 * `<!-- walkthrough: NAME -->` runs, in order, in one bash session per walkthrough, against a
 * schema of its own on the real Postgres (the data scientist's jobs on the real Redis through the
 * worker it starts, the others' in-process), from the repo root.
 */
function walkthroughs(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const m of README.matchAll(/<!-- walkthrough: ([a-z-]+) -->\s*\n```sh\n([\s\S]*?)```/g)) {
    const list = found.get(m[1]!) ?? [];
    list.push(m[2]!);
    found.set(m[1]!, list);
  }
  return found;
}

const blocks = walkthroughs();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('README walkthroughs', () => {
  const schema = uniqueName('readme');
  const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
  const scratch = mkdtempSync(join(tmpdir(), 'sharpline-readme-'));
  const bin = join(scratch, 'bin');
  const realNpx = spawnSync('bash', ['-c', 'command -v npx'], { encoding: 'utf8' }).stdout.trim();
  let port = 0;
  before(async () => {
    await admin.exec(`CREATE SCHEMA ${schema}`);
    port = await freePort();
    // `npx sharpline` without npx's start-up cost: a wrapper that execs the CLI, so `$!` of a
    // backgrounded `npx sharpline serve &` is the server itself. Everything else runs as written.
    mkdirSync(bin);
    writeFileSync(join(bin, 'npx'), `#!/usr/bin/env bash\nif [ "$1" = sharpline ]; then shift; exec node "${ROOT}bin/sharpline.mjs" "$@"; fi\nexec "${realNpx}" "$@"\n`, { mode: 0o755 });
  });
  after(async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('the README has the three walkthroughs', () => {
    assert.deepEqual([...blocks.keys()].sort(), ['app-developer', 'data-scientist', 'reviewer']);
  });

  // Order matters: the data scientist's model is what the others use.
  for (const name of ['data-scientist', 'reviewer', 'app-developer']) {
    const title = hasSharedData ? `walkthrough: ${name}` : `walkthrough: ${name} (skipped: ../shared/data is absent, the walkthroughs use real files)`;
    it(title, { skip: !hasSharedData }, () => {
      const script = ['set -euo pipefail', ...(blocks.get(name) ?? [])].join('\n');
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', TMPDIR: scratch, PORT: String(port) };
      // The data scientist trains through Redis and the worker the walkthrough starts (the schema's
      // own queue prefix keeps its jobs apart); the others run jobs in-process.
      if (name === 'data-scientist') env.REDIS_URL = TEST_REDIS_URL;
      else delete env.REDIS_URL;
      const result = spawnSync('bash', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 400_000 });
      assert.equal(result.status, 0, `walkthrough ${name} failed (exit ${result.status}):\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`);
    });
  }
});
