import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { AppError } from '../../core/errors.ts';

const refused = (variable: string, hidden?: string) => (error: unknown) =>
  error instanceof AppError && error.code === 'CONFIG_INVALID' && error.message.startsWith(`${variable}:`) && (hidden === undefined || !error.message.includes(hidden));

describe('edge and secrets configuration', () => {
  it('rate limits: defaults per role, pairs over them, off', () => {
    const c = loadConfig({});
    assert.equal(c.edge.rateLimit?.windowSeconds, 60);
    assert.ok(c.edge.rateLimit!.maxByRole.app > c.edge.rateLimit!.maxByRole.anonymous);
    assert.equal(loadConfig({ SHARPLINE_RATE_LIMIT: 'app=7, anonymous=2' }).edge.rateLimit?.maxByRole.app, 7);
    assert.equal(loadConfig({ SHARPLINE_RATE_LIMIT: 'off' }).edge.rateLimit, undefined);
    for (const bad of ['app', 'app=0', 'wizard=5', 'app=-1']) assert.throws(() => loadConfig({ SHARPLINE_RATE_LIMIT: bad }), refused('SHARPLINE_RATE_LIMIT'), bad);
  });

  it('CORS: off unless origins are given; an origin with a path is refused', () => {
    assert.deepEqual(loadConfig({}).edge.corsOrigins, []);
    assert.deepEqual(loadConfig({ SHARPLINE_CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }).edge.corsOrigins, ['https://a.example.com', 'http://localhost:5173']);
    for (const bad of ['a.example.com', 'https://a.example.com/app', 'ftp://a.example.com']) assert.throws(() => loadConfig({ SHARPLINE_CORS_ORIGINS: bad }), refused('SHARPLINE_CORS_ORIGINS'), bad);
  });

  it('master keys: base64 or hex 32 bytes; a bad one is refused without echoing it; the key never prints', () => {
    const key = randomBytes(32);
    const c = loadConfig({ SHARPLINE_MASTER_KEY: key.toString('base64'), SHARPLINE_MASTER_KEY_PREVIOUS: randomBytes(32).toString('hex') });
    assert.match(c.secrets.masterKey!.id, /^[0-9a-f]{16}$/);
    assert.equal(c.secrets.previousMasterKeys.length, 1);
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 10 }), String(c.secrets.masterKey)]) {
      assert.ok(!shown.includes(key.toString('base64')) && !shown.includes(key.toString('hex')), shown);
    }
    const bad = 'x'.repeat(20) + 'secret-looking-value';
    assert.throws(() => loadConfig({ SHARPLINE_MASTER_KEY: bad }), refused('SHARPLINE_MASTER_KEY', bad));
    assert.throws(() => loadConfig({ SHARPLINE_MASTER_KEY: randomBytes(16).toString('base64') }), refused('SHARPLINE_MASTER_KEY'));
    assert.throws(() => loadConfig({ SHARPLINE_MASTER_KEY_PREVIOUS: key.toString('base64') }), refused('SHARPLINE_MASTER_KEY_PREVIOUS'));
  });
});
