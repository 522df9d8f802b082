import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../core/logger.ts';
import { AppError } from '../../core/errors.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const PASSWORD = 'hunter2-not-for-logs';

function captured(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('logs never carry credentials', () => {
  it('credential headers and known secret fields are censored at any depth the service logs', async () => {
    const { lines, stream } = captured();
    const logger = createLogger('info', 'test', stream);
    logger.info({ req: { headers: { authorization: `Bearer ${PASSWORD}-a`, cookie: `sid=${PASSWORD}-b`, 'x-api-key': `${PASSWORD}-c`, host: 'localhost' } } }, 'request');
    logger.info({ password: `${PASSWORD}-d`, secret: { name: 'x', value: 1 }, token: `${PASSWORD}-e` }, 'fields');
    logger.info({ provider: { auth: { apiKey: `${PASSWORD}-f` } }, config: { secrets: { masterKey: `${PASSWORD}-g` } } }, 'nested');
    logger.info({ headers: { authorization: `${PASSWORD}-h` } }, 'headers');
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 4);
    for (const line of lines) assert.ok(!line.includes(PASSWORD), line);
    assert.equal((JSON.parse(lines[0]!) as { req: { headers: Record<string, string> } }).req.headers.host, 'localhost', 'other headers are kept');
    assert.equal((JSON.parse(lines[0]!) as { req: { headers: Record<string, string> } }).req.headers.authorization, '[redacted]', 'the key stays, its value goes');
  });

  it('a DATABASE_URL that fails to parse is named without its password', () => {
    const raw = `postgres://sharp:${PASSWORD}@db host:5432/sharpline`;
    assert.throws(
      () => loadConfig({ DATABASE_URL: raw }),
      (error: unknown) => error instanceof AppError && error.code === 'CONFIG_INVALID' && error.message.startsWith('DATABASE_URL: not a URL') && error.message.includes('@db host:5432') && !error.message.includes(PASSWORD),
    );
    assert.throws(() => loadConfig({ REDIS_URL: `redis://:${PASSWORD}@[bad` }), (error: unknown) => error instanceof AppError && !error.message.includes(PASSWORD));
  });

  it('the CLI start-up error for that DATABASE_URL is one line without the password', () => {
    const out = spawnSync(process.execPath, [BIN, 'db', 'status'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SHARPLINE_HOME: mkdtempSync(join(tmpdir(), 'sl-redact-')), DATABASE_URL: `postgres://sharp:${PASSWORD}@db host/x`, LOG_LEVEL: 'info' },
    });
    assert.notEqual(out.status, 0);
    assert.match(out.stderr, /DATABASE_URL: not a URL/);
    assert.ok(!out.stderr.includes(PASSWORD), out.stderr);
    assert.ok(!out.stdout.includes(PASSWORD), out.stdout);
  });
});
