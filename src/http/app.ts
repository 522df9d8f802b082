import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppInstance } from './types.ts';
import { randomUUID } from 'node:crypto';
import { lazyChildLogger, type Logger } from '../../core/index.ts';
import type { AppContext } from '../context.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { ErrorBodySchema, IDENTIFIED_BY, MlflowErrorBodySchema, UNMATCHED, V2ErrorBodySchema } from './schemas.ts';
import { routePlugins } from './routes/index.ts';
import { registerAccessCheck, registerAuth } from './auth.ts';
import type { Access } from './policy.ts';
import { frameworkError, registerEdge } from './edge.ts';
import { OPENAPI_DOCUMENT, registerOpenApiConventions } from './openapi.ts';
import { accessOf } from './policy.ts';
import { assertLowerCaseHeaders, createLazyCompilers } from './lazy-compilers.ts';

export type { AppInstance } from './types.ts';

export interface BuildAppOptions {
  /**
   * Largest accepted request body in bytes, over the configuration's bound for batch routes
   * (predict, infer); other routes have SHARPLINE_BODY_LIMIT_BYTES unless they declare theirs.
   */
  bodyLimit?: number;
  /** Access of routes a caller adds after buildApp (tests' probe routes), over src/http/policy.ts. */
  extraPolicy?: Readonly<Record<string, Access>>;
}

/**
 * Builds the HTTP API around an existing context. Does not listen: `serve` does that,
 * and tests call `app.inject`.
 */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<AppInstance> {
  // Route schemas compile on first use (or when `serve` warms them after listening), not all at ready().
  const compilers = createLazyCompilers();
  const app = Fastify({
    schemaController: { compilersFactory: compilers.compilersFactory },
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? ctx.config.edge.predictBodyLimitBytes,
    frameworkErrors: frameworkError,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 128 ? req.headers['x-request-id'] : randomUUID()),
    // Request-level logs come from our hooks and error handler; the id label is 'requestId'.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Each request's child logger (requestId, later keyPrefix) is built only when it writes a line:
    // built eagerly, pino's redaction of its bindings was a tenth of a small request's CPU.
    childLoggerFactory: (logger, bindings, options) =>
      (Object.keys(options).length ? logger.child(bindings, options) : lazyChildLogger(logger as Logger, bindings)) as FastifyBaseLogger,
    // verbose: each error carries its schema and value, so a 400 for a union reports only the
    // branch the request meant (http/errors.ts).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true, verbose: true, keywords: [IDENTIFIED_BY, UNMATCHED] } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('ctx', ctx);
  app.decorate('warmSchemas', () => compilers.warm());
  app.addHook('onRoute', assertLowerCaseHeaders);
  app.addSchema(ErrorBodySchema);
  app.addSchema(V2ErrorBodySchema);
  app.addSchema(MlflowErrorBodySchema);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // Before any route: the policy check sees every route registered after it.
  registerAuth(app, options.extraPolicy);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  await registerEdge(app);
  registerAccessCheck(app, options.extraPolicy);
  registerOpenApiConventions(app, (method, url) => options.extraPolicy?.[`${method} ${url}`] ?? accessOf(method, url));

  await app.register(swagger, {
    openapi: OPENAPI_DOCUMENT as never,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const plugin of routePlugins) await app.register(plugin);
  return app;
}
