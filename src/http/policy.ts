import type { KeyRole } from '../governance/index.ts';

/**
 * Who may call each route: the one place access is declared. `open` needs no key; `metrics` and
 * `docs` follow SHARPLINE_METRICS_ACCESS / SHARPLINE_DOCS_ACCESS; a list names the key roles
 * allowed. buildApp refuses to start when a registered route has no entry here (and the role
 * matrix test walks every route of the OpenAPI document with every role).
 */
export type Access = 'open' | 'metrics' | 'docs' | readonly KeyRole[];

/** Predicting and reading models: every role, apps included. */
const MODEL_READERS = ['admin', 'scientist', 'reviewer', 'app'] as const;
/** Reading everything else (data, features, runs, evaluations, predictions, proposals). */
const READERS = ['admin', 'scientist', 'reviewer'] as const;
/** Changing data, features, training and unprotected aliases; proposing promotions. */
const SCIENTISTS = ['admin', 'scientist'] as const;
/** Deciding proposals: reviewers only (an admin who must decide creates a reviewer key). */
const REVIEWERS = ['reviewer'] as const;
const ADMINS = ['admin'] as const;

export const ROUTE_POLICY: Readonly<Record<string, Access>> = {
  'GET /': 'open',
  'GET /healthz': 'open',
  'GET /readyz': 'open',
  'GET /v2/health/live': 'open',
  'GET /v2/health/ready': 'open',
  'GET /metrics': 'metrics',
  'GET /openapi.json': 'docs',

  'GET /v1/models': MODEL_READERS,
  'GET /v1/models/:name': MODEL_READERS,
  'GET /v1/models/:name/versions': MODEL_READERS,
  'GET /v1/models/:name/versions/:v': MODEL_READERS,
  'GET /v1/models/:name/versions/:v/importance': MODEL_READERS,
  'POST /v1/models/:name/predict': MODEL_READERS,
  'GET /v2': MODEL_READERS,
  'GET /v2/models/:name': MODEL_READERS,
  'GET /v2/models/:name/versions/:v': MODEL_READERS,
  'GET /v2/models/:name/ready': MODEL_READERS,
  'GET /v2/models/:name/versions/:v/ready': MODEL_READERS,
  'POST /v2/models/:name/infer': MODEL_READERS,
  'POST /v2/models/:name/versions/:v/infer': MODEL_READERS,

  'GET /v1/models/:name/versions/:v/backtest': READERS,
  'GET /v1/models/:name/versions/:v/predictions': READERS,
  'GET /v1/models/:name/versions/:v/background': READERS,
  'GET /v1/models/:name/aliases/:alias/history': READERS,
  'GET /v1/models/:name/drift': READERS,
  'GET /v1/drift': READERS,
  'GET /v1/live-evaluations': READERS,
  'PUT /v1/models/:name/aliases/:alias': SCIENTISTS,
  'DELETE /v1/models/:name/aliases/:alias': SCIENTISTS,

  'GET /v1/models/:name/proposals': READERS,
  'POST /v1/models/:name/proposals': SCIENTISTS,
  'GET /v1/proposals/:id': READERS,
  'POST /v1/proposals/:id/approve': REVIEWERS,
  'POST /v1/proposals/:id/reject': REVIEWERS,

  'POST /v1/training-jobs': SCIENTISTS,
  'GET /v1/training-jobs': READERS,
  'GET /v1/training-jobs/:id': READERS,
  'DELETE /v1/training-jobs/:id': SCIENTISTS,
  'POST /v1/sweeps': SCIENTISTS,
  'GET /v1/sweeps': READERS,
  'GET /v1/sweeps/:id': READERS,
  'GET /v1/sweeps/:id/best': READERS,

  'GET /v1/sports': READERS,
  'GET /v1/competitions': READERS,
  'GET /v1/teams': READERS,
  'GET /v1/teams/:id/games': READERS,
  'GET /v1/games': READERS,
  'GET /v1/games/:id': READERS,
  'GET /v1/games/:id/features': READERS,
  'GET /v1/imports': READERS,
  'GET /v1/imports/:id/rejected': READERS,
  'GET /v1/feature-sets': READERS,
  'GET /v1/feature-sets/:name': READERS,
  'POST /v1/feature-sets/:name/online': READERS,

  'GET /v1/whoami': MODEL_READERS,
  'GET /v1/models/:name/versions/:v/card': MODEL_READERS,
  'GET /v1/compare': READERS,
  'GET /v1/models/:name/versions/:v/backtest/series': READERS,
  'GET /v1/models/:name/versions/:v/competitions': READERS,
  'GET /v1/models/:name/versions/:v/artifacts': READERS,
  'GET /v1/models/:name/versions/:v/artifacts/:kind': READERS,
  'GET /v1/models/:name/versions/:v/artifacts/:kind/:part': READERS,
  'POST /v1/training-jobs/check': SCIENTISTS,
  'GET /v1/training-jobs/:id/events': READERS,
  // The data explorer: a read (read-only role and transaction), for every reader.
  'POST /v1/queries': READERS,
  'GET /v1/explorer/coverage': READERS,
  'GET /v1/explorer/quality': READERS,
  'GET /v1/explorer/quarantine': READERS,
  'GET /v1/explorer/games/:id': READERS,
  'GET /v1/explorer/teams/:id': READERS,
  // Saved queries and charts: personal (per key); a share link opens for every reader; only the
  // owner changes or deletes (checked in the use case: SAVED_QUERY_NOT_OWNER).
  'GET /v1/saved-queries': READERS,
  'POST /v1/saved-queries': READERS,
  'GET /v1/saved-queries/:shareId': READERS,
  'PUT /v1/saved-queries/:shareId': READERS,
  'DELETE /v1/saved-queries/:shareId': READERS,
  'POST /v1/saved-queries/:shareId/run': READERS,

  // MLflow's REST API (src/http/routes/mlflow.routes.ts): tracking like training, the registry like models.
  'POST /api/2.0/mlflow/experiments/create': SCIENTISTS,
  'GET /api/2.0/mlflow/experiments/get': READERS,
  'GET /api/2.0/mlflow/experiments/get-by-name': READERS,
  'POST /api/2.0/mlflow/experiments/search': READERS,
  'GET /api/2.0/mlflow/experiments/search': READERS,
  'POST /api/2.0/mlflow/runs/create': SCIENTISTS,
  'GET /api/2.0/mlflow/runs/get': READERS,
  'POST /api/2.0/mlflow/runs/search': READERS,
  'POST /api/2.0/mlflow/runs/update': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/delete': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/restore': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/log-metric': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/log-parameter': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/log-batch': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/set-tag': SCIENTISTS,
  'POST /api/2.0/mlflow/runs/delete-tag': SCIENTISTS,
  'GET /api/2.0/mlflow/metrics/get-history': READERS,
  'POST /api/2.0/mlflow/registered-models/create': SCIENTISTS,
  'GET /api/2.0/mlflow/registered-models/get': MODEL_READERS,
  'GET /api/2.0/mlflow/registered-models/search': MODEL_READERS,
  'POST /api/2.0/mlflow/registered-models/get-latest-versions': MODEL_READERS,
  'GET /api/2.0/mlflow/registered-models/get-latest-versions': MODEL_READERS,
  'GET /api/2.0/mlflow/model-versions/get': MODEL_READERS,
  'GET /api/2.0/mlflow/model-versions/search': MODEL_READERS,
  // Moving an alias: as PUT /v1/models/:name/aliases/:alias (protected aliases need a proposal).
  'POST /api/2.0/mlflow/registered-models/alias': SCIENTISTS,
  'DELETE /api/2.0/mlflow/registered-models/alias': SCIENTISTS,
  'GET /api/2.0/mlflow/registered-models/alias': MODEL_READERS,

  // Continuous operation: anyone who reads runs sees the schedules; those who change training pause them.
  'GET /v1/schedules': READERS,
  'POST /v1/schedules/:name/pause': SCIENTISTS,
  'POST /v1/schedules/:name/resume': SCIENTISTS,

  'GET /v1/audit': ['admin', 'reviewer'],
  'GET /v1/keys': ADMINS,
  'POST /v1/keys': ADMINS,
  'POST /v1/keys/:key/rotate': ADMINS,
  'DELETE /v1/keys/:key': ADMINS,
};

/** Routes that belong to a prefix (the Swagger UI's pages and assets). */
// The console's static files are open: every API call the page makes carries the user's key.
// The queue dashboard (bull-board, routes/queues-board.routes.ts; hidden from the OpenAPI document):
// its sign-in form is open (it checks the key it is given), its pages and API admin only. First match wins.
const PREFIX_POLICY: ReadonlyArray<readonly [string, Access]> = [['/docs', 'docs'], ['/ui/queues/sign-in', 'open'], ['/ui/queues', ADMINS], ['/ui', 'open']];

/** The access of a route as Fastify names it (`GET /v1/models/:name`); HEAD follows GET. Undefined: no policy. */
export function accessOf(method: string, url: string): Access | undefined {
  const verb = method === 'HEAD' ? 'GET' : method;
  // CORS preflights (@fastify/cors' OPTIONS *) never carry credentials, by the Fetch standard.
  if (verb === 'OPTIONS') return 'open';
  const exact = ROUTE_POLICY[`${verb} ${url}`];
  if (exact) return exact;
  for (const [prefix, access] of PREFIX_POLICY) if (url === prefix || url.startsWith(`${prefix}/`)) return access;
  return undefined;
}
