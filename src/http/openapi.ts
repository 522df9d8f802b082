import { Type } from '@sinclair/typebox';
import type { AppInstance } from './types.ts';
import type { Access } from './policy.ts';
import { PROBES } from './edge.ts';
import { isMlflowUrl, isOipUrl } from './errors.ts';

/** The security scheme every guarded operation names (`Authorization: Bearer <API key>`). */
export const SECURITY_SCHEME = 'apiKey';

/** The document-level parts @fastify/swagger is given: servers, the security scheme, license. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Sharpline API',
    version: '0.1.0',
    description: 'Sports-betting models: data, features, training, registry, predictions and explanations.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  // Relative: the server that serves this document (`sharpline serve`, PORT).
  servers: [{ url: '/', description: 'the Sharpline server that serves this document' }],
  components: {
    securitySchemes: {
      [SECURITY_SCHEME]: {
        type: 'http',
        scheme: 'bearer',
        description: 'A Sharpline API key (`sharpline keys create`), sent as `Authorization: Bearer shl_…`. Each operation\'s `x-sharpline-roles` names the key roles it admits.',
      },
    },
  },
  security: [{ [SECURITY_SCHEME]: [] }],
} as const;

/**
 * `GET /v1/models/{name}/versions/{v}` → `getV1ModelsByNameVersionsByV`: a stable, unique
 * operationId for every route that does not declare its own.
 */
export function operationIdOf(method: string, url: string): string {
  const words = url.split('/').filter(Boolean).map((part) => {
    const param = /^[:{]([^}]+)\}?$/.exec(part);
    const name = (param ? param[1]! : part).split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
    return param ? `By${name}` : name;
  });
  return `${method.toLowerCase()}${words.join('') || 'Root'}`;
}

interface RouteSchema {
  operationId?: string;
  security?: unknown;
  querystring?: unknown;
  params?: unknown;
  body?: unknown;
  headers?: unknown;
  response?: Record<string, unknown>;
  hide?: boolean;
  [key: string]: unknown;
}

/**
 * What the OpenAPI document says of every route, from facts the code already has: its
 * operationId, who may call it (security and `x-sharpline-roles`, from the policy table), and the
 * 4xx every route can answer (400: a URL holding NUL or bytes that are not UTF-8 is refused on
 * every route, and a route with parameters or a body validates them; 413 for a body over the
 * route's bound; 429 when rate limits are on). Registered before the routes (an onRoute hook).
 */
export function registerOpenApiConventions(app: AppInstance, accessOf: (method: string, url: string) => Access | undefined): void {
  const rateLimited = Boolean(app.ctx.config.edge.rateLimit);
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined;
    if (!schema || schema.hide) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const method = methods[0]!;
    schema.operationId ??= operationIdOf(method, route.url);
    const access = accessOf(method, route.url);
    if (access === 'open') schema.security ??= [];
    // Metrics and docs follow SHARPLINE_METRICS_ACCESS / SHARPLINE_DOCS_ACCESS: a key may be needed.
    else if (access === 'metrics' || access === 'docs') schema.security ??= [{}, { [SECURITY_SCHEME]: [] }];
    else if (Array.isArray(access)) schema['x-sharpline-roles'] ??= [...access];
    const response = (schema.response ??= {});
    response[400] ??= Type.Ref('ErrorBody');
    if (schema.body) response[413] ??= Type.Ref('ErrorBody');
    if (rateLimited && !PROBES.has(route.url)) response[429] ??= Type.Ref('ErrorBody');
    // The Open Inference Protocol's routes answer errors in its own shape (http/errors.ts).
    // So do MLflow's (`{ error_code, message }`).
    const errorShape = isOipUrl(route.url) ? 'V2ErrorBody' : isMlflowUrl(route.url) ? 'MlflowErrorBody' : null;
    if (errorShape) {
      for (const [status, body] of Object.entries(response)) {
        if (Number(status) >= 400 && (body as { $ref?: string }).$ref === 'ErrorBody') response[status] = Type.Ref(errorShape);
      }
    }
  });
}
