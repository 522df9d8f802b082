import { it } from 'node:test';
import assert from 'node:assert/strict';
import { metricsRoutes } from '../../src/http/routes/metrics.routes.ts';

it('the metrics plugin is a named fastify-plugin (not encapsulated, so its latency hook wraps every later route)', () => {
  const fn = metricsRoutes as unknown as Record<symbol, unknown>;
  assert.equal(fn[Symbol.for('skip-override')], true);
  assert.equal((fn[Symbol.for('plugin-meta')] as { name?: string } | undefined)?.name, 'sharpline-metrics');
});
