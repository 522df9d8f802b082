/**
 * Calls made with a client generated from the OpenAPI document (openapi-typescript types +
 * openapi-fetch). tests/http/openapi.test.ts generates `./generated/sharpline-api.ts` from the
 * live document, type-checks this file against it with tsc (a call the document does not allow
 * fails there), then runs it against a real listening server.
 */
import createClient from 'openapi-fetch';
import type { paths } from './generated/sharpline-api.ts';

export interface ClientResults {
  health: string;
  role: string;
  models: string[];
  probabilities: Record<string, number>;
  runtime: string;
  missingStatus: number;
  missingCode: string;
  invalidStatus: number;
  invalidCode: string;
  metricsType: string;
  metricsText: string;
}

export async function exercise(baseUrl: string, token: string, model: string): Promise<ClientResults> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });
  const health = await client.GET('/healthz');
  const whoami = await client.GET('/v1/whoami');
  const list = await client.GET('/v1/models');
  const predicted = await client.POST('/v1/models/{name}/predict', {
    params: { path: { name: model }, query: { version: 1 } },
    body: { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] },
  });
  const missing = await client.GET('/v1/models/{name}', { params: { path: { name: 'no-such-model' } } });
  const invalid = await client.GET('/v1/training-jobs', { params: { query: { limit: 0 } } });
  const metrics = await client.GET('/metrics', { parseAs: 'text' });
  if (!health.data || !whoami.data || !list.data || !predicted.data) throw new Error(`a call failed: ${JSON.stringify([health.error, whoami.error, list.error, predicted.error])}`);
  return {
    health: health.data.status,
    role: whoami.data.role,
    models: list.data.models.map((m) => m.name),
    probabilities: predicted.data.predictions[0]!.probabilities,
    runtime: predicted.data.runtime,
    missingStatus: missing.response.status,
    missingCode: missing.error?.error.code ?? '',
    invalidStatus: invalid.response.status,
    invalidCode: invalid.error?.error.code ?? '',
    metricsType: metrics.response.headers.get('content-type') ?? '',
    metricsText: String(metrics.data ?? ''),
  };
}
