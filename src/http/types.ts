import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.ts';

/** The Fastify instance with TypeBox typing that every route plugin receives. */
export type AppInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The request principal: defined in the governance use cases, which the HTTP edge adapts. */
export type { Role, Principal } from '../governance/types.ts';
import type { Principal } from '../governance/types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
    /** Compiles the route schemas (validators, serializers) not used yet, one per event-loop turn (http/lazy-compilers.ts). */
    warmSchemas(): Promise<void>;
  }
  interface FastifyRequest {
    /** The authenticated caller; undefined when the request carried no (valid) key. */
    principal?: Principal;
  }
}
