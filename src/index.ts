/**
 * The runtime's door, for programs that start it from outside (bench/): configuration, the one
 * context, the HTTP server, the Db implementations and the in-process prediction path. Nothing in
 * core/, history/, features/, registry/, models/ or training/ imports src/.
 */
export { loadConfig } from './config.ts';
export type { Config, Env } from './config.ts';
export { createContext } from './context.ts';
export type { AppContext, CreateContextOptions, Deployment } from './context.ts';
export { startServer } from './server.ts';
export type { RunningServer } from './server.ts';
export { createPgDb, createPgliteDb, migrate } from './db/index.ts';
export { createExplainTaskRunner, parseInstanceTable, planExplainer, predictInstances, predictTable, writeTablePrediction, type ExplainPlan, type ExplainTask } from './serving/index.ts';
export { writeBatchPredictions } from './services/index.ts';
export { writeSyntheticLeague } from './demo/synthetic-league.ts';
export { createKey, operatorActor } from './governance/index.ts';
