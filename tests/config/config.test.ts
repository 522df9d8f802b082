import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { AppError } from '../../core/errors.ts';

describe('config', () => {
  it('defaults to the embedded mode under .sharpline in the working directory', () => {
    const c = loadConfig({}, '/srv/app');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.home, '/srv/app/.sharpline');
    assert.equal(c.port, 3000);
    assert.ok(Object.isFrozen(c));
  });

  it('reads every variable', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d', REDIS_URL: 'redis://h:6379', SHARPLINE_HOME: '/data', PORT: '8080', HOST: '0.0.0.0', LOG_LEVEL: 'debug' }, '/x');
    assert.deepEqual([c.databaseUrl, c.redisUrl, c.home, c.port, c.host, c.logLevel], ['postgres://u@h:5432/d', 'redis://h:6379', '/data', 8080, '0.0.0.0', 'debug']);
  });

  it('reads the trainer kernels (SHARPLINE_TRAINER_KERNELS), auto when unset', () => {
    assert.equal(loadConfig({}).trainerKernels, 'auto');
    assert.equal(loadConfig({ SHARPLINE_TRAINER_KERNELS: 'js' }).trainerKernels, 'js');
    assert.equal(loadConfig({ SHARPLINE_TRAINER_KERNELS: ' wasm-simd ' }).trainerKernels, 'wasm-simd');
  });

  for (const [variable, value] of [['PORT', 'eighty'], ['PORT', '70000'], ['DATABASE_URL', 'mysql://x'], ['DATABASE_URL', 'not a url'], ['REDIS_URL', 'http://x'], ['LOG_LEVEL', 'loud'], ['SHARPLINE_TRAINER_KERNELS', 'gpu']] as const) {
    it(`fails fast naming ${variable} for ${JSON.stringify(value)}`, () => {
      assert.throws(() => loadConfig({ [variable]: value }), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.match(error.message, new RegExp(`^${variable}:`));
        return true;
      });
    });
  }
});
