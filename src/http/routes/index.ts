import type { AppInstance } from '../types.ts';
import { healthRoutes } from './health.routes.ts';
import { featureRoutes } from './features.routes.ts';
import { trainingRoutes } from './training.routes.ts';
import { sweepsRoutes } from './sweeps.routes.ts';
import { modelsRoutes } from './models.routes.ts';
import { historyRoutes } from './history.routes.ts';
import { importsRoutes } from './imports.routes.ts';
import { metricsRoutes } from './metrics.routes.ts';
import { predictRoutes } from './predict.routes.ts';
import { v2Routes } from './v2.routes.ts';
import { explainRoutes } from './explain.routes.ts';
import { indexRoutes } from './index.routes.ts';
import { governanceRoutes } from './governance.routes.ts';
import { consoleRoutes } from './console.routes.ts';
import { sessionRoutes } from './session.routes.ts';
import { evidenceRoutes } from './evidence.routes.ts';
import { trainingEventsRoutes } from './training-events.routes.ts';
import { queriesRoutes } from './queries.routes.ts';
import { schedulesRoutes } from './schedules.routes.ts';
import { explorerRoutes } from './explorer.routes.ts';
import { driftRoutes } from './drift.routes.ts';
import { mlflowRoutes } from './mlflow.routes.ts';
import { queuesBoardRoutes } from './queues-board.routes.ts';

/**
 * Every route plugin, registered in this order by buildApp. `metricsRoutes` comes first: its
 * latency hook must exist before the routes it measures.
 */
export const routePlugins: Array<(app: AppInstance) => Promise<void>> = [metricsRoutes, indexRoutes, healthRoutes, featureRoutes, trainingRoutes, sweepsRoutes, modelsRoutes, historyRoutes, importsRoutes, predictRoutes, v2Routes, explainRoutes, evidenceRoutes, trainingEventsRoutes, queriesRoutes, explorerRoutes, mlflowRoutes, driftRoutes, sessionRoutes, consoleRoutes, queuesBoardRoutes, governanceRoutes, schedulesRoutes];
