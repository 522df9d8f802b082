import type { ParsedInstances } from '../serving/index.ts';

/**
 * Where a parsed body holds its table: `{ [INSTANCE_TABLE]: table }` (no `instances`, so nothing
 * reads it by mistake). The JSON body parser (http/edge.ts) reads a body of the usual form into a
 * table (serving/instance-table.ts) for a route whose config asks for one: the predict route.
 */
export const INSTANCE_TABLE = Symbol('instanceTable');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes bodies read as instance tables (`request.body[INSTANCE_TABLE]`). */
    instanceTable?: boolean;
  }
}

/** The table a body parsed into, if it did. */
export type TableBody = { [INSTANCE_TABLE]?: ParsedInstances };
