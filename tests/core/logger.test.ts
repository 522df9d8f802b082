import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, lazyChildLogger, type Logger } from '../../core/index.ts';

function captured(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>), stream };
}

/** Counts the real pino children made under `logger` (what the lazy child exists to avoid). */
function countingChildren(logger: Logger): { made: () => number } {
  let made = 0;
  const child = logger.child;
  // Children inherit this through pino's prototype chain, so `this` is whichever logger is asked.
  logger.child = function (this: Logger, bindings: Record<string, unknown>, options?: object) {
    made++;
    return child.call(this, bindings, options as never);
  } as Logger['child'];
  return { made: () => made };
}

describe('lazyChildLogger: a request logger built only when it writes', () => {
  it('a disabled level builds no child; an enabled one writes every binding, nested lazies included', async () => {
    const { lines, stream } = captured();
    const root = createLogger('info', 'test', stream);
    const children = countingChildren(root);
    const request = lazyChildLogger(root, { requestId: 'r-1' });
    const keyed = request.child({ keyPrefix: 'shl_ab12cd34' });
    request.debug('not written');
    keyed.trace({ a: 1 }, 'not written either');
    assert.equal(children.made(), 0, 'nothing logged, no child built');
    assert.equal(keyed.level, 'info');
    assert.equal(keyed.isLevelEnabled('debug'), false);
    keyed.info({ code: 'X' }, 'written');
    request.warn('plain');
    await new Promise((r) => setImmediate(r));
    assert.equal(children.made(), 2, 'the two loggers that wrote were built, once each');
    const [first, second] = lines();
    assert.deepEqual([first!.requestId, first!.keyPrefix, first!.code, first!.msg], ['r-1', 'shl_ab12cd34', 'X', 'written']);
    assert.deepEqual([second!.requestId, second!.keyPrefix, second!.msg], ['r-1', undefined, 'plain']);
    assert.deepEqual(keyed.bindings(), { name: 'test', requestId: 'r-1', keyPrefix: 'shl_ab12cd34' });
  });

  it('bindings still pass the redaction when the line is written', async () => {
    const { lines, stream } = captured();
    const lazy = lazyChildLogger(createLogger('info', 'test', stream), { requestId: 'r-2' }).child({ token: 'shl_secret_not_for_logs' });
    lazy.error('failed');
    await new Promise((r) => setImmediate(r));
    assert.equal(lines()[0]!.token, '[redacted]');
  });

  it('a level set on the lazy child applies to it', async () => {
    const { lines, stream } = captured();
    const lazy = lazyChildLogger(createLogger('info', 'test', stream), { requestId: 'r-3' });
    lazy.level = 'debug';
    lazy.debug('now written');
    await new Promise((r) => setImmediate(r));
    assert.equal(lines()[0]!.msg, 'now written');
  });
});
