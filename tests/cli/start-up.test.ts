import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'sharpline.mjs');
/** Packages that cost 0.1-0.7 s each to import and that `--help` never needs. */
const HEAVY = ['@tensorflow/tfjs', 'onnxruntime-node', 'bullmq', 'ioredis', '@electric-sql/pglite', 'pg', 'piscina', 'fastify', 'tsx'];

describe('CLI start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-startup-'));
  const hooks = join(dir, 'hooks.mjs');
  const register = join(dir, 'register.mjs');

  beforeAll(() => {
    // A module hook that records every package the CLI's own modules import, to a file.
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';
export async function resolve(spec, context, next) {
  const result = await next(spec, context);
  const m = result.url.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/);
  if (m && !context.parentURL?.includes('/node_modules/')) appendFileSync(process.env.PACKAGES_LOG, m[1] + '\\n');
  return result;
}\n`);
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function packagesLoaded(args: string[], env: NodeJS.ProcessEnv = process.env): { packages: Set<string>; stdout: string; stderr: string; status: number | null } {
    const log = join(dir, `packages-${args.join('-')}.log`);
    writeFileSync(log, '');
    const out = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], { encoding: 'utf8', env: { ...env, PACKAGES_LOG: log } });
    return { packages: new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean)), stdout: out.stdout, stderr: out.stderr, status: out.status };
  }

  for (const args of [['--version'], ['--help'], ['models', '--help']]) {
    it(`${args.join(' ')} runs the build and loads no database driver, queue, model runtime or HTTP server`, () => {
      const run = packagesLoaded(args);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '', 'a current build runs without a note');
      assert.deepEqual(HEAVY.filter((p) => run.packages.has(p)), []);
    });
  }

  it('a command on the embedded database loads PGlite, but no model runtime, queue library, explanation worker pool or HTTP server', () => {
    const home = join(dir, 'home');
    const env: NodeJS.ProcessEnv = { ...process.env, SHARPLINE_HOME: home, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const run = packagesLoaded(['db', 'migrate', '--json'], env);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(JSON.parse(run.stdout).applied.length >= 1, 'migrations ran from dist/ (the .sql files were copied)');
    assert.ok(run.packages.has('@electric-sql/pglite'));
    assert.deepEqual(['@tensorflow/tfjs', 'onnxruntime-node', 'bullmq', 'piscina', 'fastify', 'tsx'].filter((p) => run.packages.has(p)), []);
  });

  it('the demo\'s modules and an HTTP app with in-process jobs load no BullMQ, ioredis or bull-board (they load with REDIS_URL)', () => {
    const dist = pathToFileURL(join(ROOT, 'dist', 'src')).href;
    // What the demo and an embedded `serve` import, and an app built and readied on them; then the
    // packages seen: ESM imports through the hook, CommonJS requires in require.cache.
    const script = `
      const [{ loadConfig }, { createContext }, { buildApp }] = await Promise.all([import('${dist}/config.js'), import('${dist}/context.js'), import('${dist}/http/app.js'), import('${dist}/server.js'), import('${dist}/jobs/index.js')]);
      const ctx = await createContext(loadConfig({ SHARPLINE_HOME: ${JSON.stringify(join(dir, 'app-home'))}, LOG_LEVEL: 'warn' }));
      const app = await buildApp(ctx);
      await app.ready();
      await app.close();
      await ctx.close();
      const { createRequire } = await import('node:module');
      process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
    const log = join(dir, 'packages-app.log');
    writeFileSync(log, '');
    const env: NodeJS.ProcessEnv = { ...process.env, PACKAGES_LOG: log };
    delete env.REDIS_URL;
    delete env.DATABASE_URL;
    const out = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', script], { encoding: 'utf8', env });
    assert.equal(out.status, 0, out.stderr);
    const required = JSON.parse(out.stdout) as string[];
    const loaded = new Set([...readFileSync(log, 'utf8').split('\n').filter(Boolean), ...required.map((f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter((p): p is string => !!p)]);
    assert.ok(loaded.has('fastify'), 'the app was built');
    assert.deepEqual(['bullmq', 'ioredis', '@bull-board/api', '@bull-board/fastify'].filter((p) => loaded.has(p)), []);
  });

  it('runs dist/ when it is current, and the sources (saying so) when a source file is newer', () => {
    // A copy of the launcher over a stand-in tree: dist/ and src/ each print where they ran from.
    const root = join(dir, 'checkout');
    cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(root, 'dist', 'src', 'cli', 'main.js'), "process.stdout.write('ran dist');\n");
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), "const from: string = 'sources';\nprocess.stdout.write(`ran ${from}`);\n");
    const run = () => spawnSync(process.execPath, [join(root, 'bin', 'sharpline.mjs')], { encoding: 'utf8' });

    const missing = run();
    assert.equal(missing.stdout, 'ran sources');
    assert.match(missing.stderr, /dist\/ is not built.*npm run build/);

    const past = new Date(Date.now() - 60_000);
    for (const path of [join(root, 'src', 'cli', 'main.ts'), join(root, 'src', 'cli'), join(root, 'src')]) utimesSync(path, past, past);
    writeFileSync(join(root, 'dist', '.build-stamp'), 'built\n');
    const current = run();
    assert.deepEqual([current.stdout, current.stderr], ['ran dist', '']);

    writeFileSync(join(root, 'src', 'cli', 'main.ts'), "process.stdout.write('ran edited sources');\n");
    const stale = run();
    assert.equal(stale.stdout, 'ran edited sources');
    assert.match(stale.stderr, /dist\/ is older than src\/cli\/main\.ts.*npm run build/);
  });
});
