import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.ts';

/** The Fastify instance with TypeBox typing that every route plugin receives. */
export type AppInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * Roles a key may carry. `operator` is never a key's role: it is the identity of a CLI command
 * that talks to the database directly (it is audited as such).
 */
export type Role = 'admin' | 'scientist' | 'reviewer' | 'app' | 'operator';

/** Who made a request: the API key presented with `Authorization: Bearer`, resolved by the auth hook. */
export interface Principal {
  /** The key's id (uuid), stable across rotation of its secret. */
  keyId: string;
  /** The key's public prefix (e.g. `shl_ab12cd34`): identifies it in logs without revealing it. */
  keyPrefix: string;
  role: Role;
  /** The key's owner as given at creation. */
  name: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
  interface FastifyRequest {
    /** The authenticated caller; undefined when the request carried no (valid) key. */
    principal?: Principal;
  }
}
