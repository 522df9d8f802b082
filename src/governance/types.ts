/**
 * Roles a key may carry. `operator` is never a key's role: it is the identity of a CLI command
 * that talks to the database directly (audited as such).
 */
export type Role = 'admin' | 'scientist' | 'reviewer' | 'app' | 'operator';

/** Roles an API key can be created with. */
export const KEY_ROLES = ['admin', 'scientist', 'reviewer', 'app'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

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

/** Who an audit row is about: a key's principal, or the operator of a direct database command. */
export interface Actor {
  name: string;
  role: Role;
  keyPrefix?: string;
}
