import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's own schema compilers (ajv for request validation, fast-json-stringify for responses),
 * made to compile each route's schema when it is first used instead of all at `ready()`. Compiling
 * every route's schemas up front (and setting up their ajv instance) was about a second of CPU at
 * each start on two cores, paid before the port opens by `serve` and the demo, and by every test
 * that builds the app to call a handful of routes. A server warms them after it listens (`warm`),
 * one per event-loop turn, so its requests do not pay the compile either. The compiled functions
 * are the defaults' own (same options, same output and errors); a lazy validator hands over the
 * compiled function's `errors` and `schemaEnv`, which Fastify reads beside calling it.
 *
 * One difference: Fastify lower-cases a headers schema's property names only for its own
 * validator, and a wrapped one counts as custom, so header names must be declared lower-case
 * (`assertLowerCaseHeaders`, run for every route, refuses one that is not).
 */

type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type RouteCompiler = (route: unknown) => Compiled;
type CompilerFactory = (...args: unknown[]) => RouteCompiler;

// Resolved from fastify's own folder: the versions it was released with, whatever else is installed.
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultValidators = fastifyRequire('@fastify/ajv-compiler') as () => CompilerFactory;
const defaultSerializers = fastifyRequire('@fastify/fast-json-stringify-compiler') as () => CompilerFactory;

export interface LazyCompilers {
  /** Fastify's `schemaController.compilersFactory`. */
  compilersFactory: NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
  /** Schemas registered so far and not yet compiled. */
  readonly pending: number;
  /**
   * Compiles every pending schema, one per event-loop turn (requests interleave); schemas
   * registered afterwards compile at once, as the defaults do. Resolves when all are done.
   */
  warm(): Promise<void>;
}

export function createLazyCompilers(): LazyCompilers {
  const pending = new Set<() => Compiled>();
  let eager = false;
  const lazily = (factory: CompilerFactory): CompilerFactory => (...args) => {
    // The compiler itself (an ajv instance holding the shared schemas) is made on first use too.
    let compiler: RouteCompiler | undefined;
    const build = (route: unknown) => (compiler ??= factory(...args))(route);
    return (route) => {
      if (eager) return build(route);
      let compiled: Compiled | undefined;
      const get = (): Compiled => {
        if (!compiled) {
          compiled = build(route);
          pending.delete(get);
        }
        return compiled;
      };
      pending.add(get);
      const lazy = ((...input: unknown[]) => get()(...input)) as Compiled;
      Object.defineProperty(lazy, 'errors', { get: () => get().errors });
      Object.defineProperty(lazy, 'schemaEnv', { get: () => get().schemaEnv });
      return lazy;
    };
  };
  return {
    // Typed as Fastify's: the wrappers return what the wrapped factories return.
    compilersFactory: { buildValidator: lazily(defaultValidators()), buildSerializer: lazily(defaultSerializers()) } as unknown as LazyCompilers['compilersFactory'],
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

/**
 * Throws when a route's headers schema names a property with an upper-case letter: with a
 * wrapped validator Fastify passes header schemas as declared, and request headers arrive
 * lower-cased, so such a property could never match.
 */
export function assertLowerCaseHeaders(route: { method: string | string[]; url: string; schema?: { headers?: unknown } }): void {
  const headers = route.schema?.headers as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  const names = [...Object.keys(headers?.properties ?? {}), ...(headers?.required ?? [])];
  const bad = names.filter((name) => name !== name.toLowerCase());
  if (bad.length) throw new Error(`${String(route.method)} ${route.url}: header names in its schema must be lower-case (${bad.join(', ')})`);
}
