import type { AppInstance } from '../types.ts';
import { healthRoutes } from './health.routes.ts';
import { modelsRoutes } from './models.routes.ts';

/** Every route plugin, registered in this order by buildApp. */
export const routePlugins: Array<(app: AppInstance) => Promise<void>> = [healthRoutes, modelsRoutes];
