import { createRequire } from 'node:module';

/**
 * Fastify's own response serializer compiler (fast-json-stringify), made to compile each route's
 * response schemas when a response is first sent instead of all at `ready()`. Compiling every
 * route's serializers up front was 0.6 s of CPU at each start on two cores, paid before the port
 * opens by `serve` and the demo, and by every test that builds the app to call a handful of routes.
 * A server warms them after it listens (`warm`), one per event-loop turn, so its requests do not
 * pay the compile either. The functions are the default compiler's own (same options, same output).
 *
 * Validators stay Fastify's eager default: a custom validator factory would change how header
 * schemas are read (Fastify lower-cases their names only for its own compiler).
 */

type Serializer = (payload: unknown) => string;
type RouteCompiler = (route: unknown) => Serializer;
type CompilerFactory = (...args: unknown[]) => RouteCompiler;

// Resolved from fastify's own folder: the version it was released with, whatever else is installed.
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultSerializers = fastifyRequire('@fastify/fast-json-stringify-compiler') as () => CompilerFactory;

export interface LazySerializers {
  /** Fastify's `schemaController.compilersFactory`. */
  compilersFactory: { buildSerializer: CompilerFactory };
  /** Response schemas registered so far and not yet compiled. */
  readonly pending: number;
  /**
   * Compiles every pending schema, one per event-loop turn (requests interleave); schemas
   * registered afterwards compile at once, as the default does. Resolves when all are done.
   */
  warm(): Promise<void>;
}

export function createLazySerializers(): LazySerializers {
  const pending = new Set<() => Serializer>();
  let eager = false;
  const lazily = (factory: CompilerFactory): CompilerFactory => (...args) => {
    const build = factory(...args);
    return (route) => {
      if (eager) return build(route);
      let compiled: Serializer | undefined;
      const get = (): Serializer => {
        if (!compiled) {
          compiled = build(route);
          pending.delete(get);
        }
        return compiled;
      };
      pending.add(get);
      return (payload) => get()(payload);
    };
  };
  return {
    compilersFactory: { buildSerializer: lazily(defaultSerializers()) },
    get pending() {
      return pending.size;
    },
    async warm() {
      eager = true;
      for (const get of [...pending]) {
        await new Promise((resolve) => setImmediate(resolve));
        get();
      }
    },
  };
}
