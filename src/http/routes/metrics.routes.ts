import { Type } from '@sinclair/typebox';
import fp from 'fastify-plugin';
import type { AppInstance } from '../types.ts';

/**
 * `GET /metrics` (Prometheus text) and the request-latency hook for every route. Registered
 * first and, through fastify-plugin, without encapsulation, so the hook wraps every later route plugin.
 */
async function metricsPlugin(app: AppInstance): Promise<void> {
  const metrics = app.ctx.serving.metrics;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics: request latency by route and status, predictions by model version, batch sizes, cache swaps, event-loop lag, heap, tfjs tensors.',
      response: { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: Type.String() } } } },
    },
  }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });
}

export const metricsRoutes = fp(metricsPlugin, { name: 'sharpline-metrics' });
