import type { WorkerDefinition } from './workers.ts';

/** Every queue this service consumes. Later issues add theirs here. */
export const workerDefinitions: WorkerDefinition[] = [];
