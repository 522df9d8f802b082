import { api, ApiError } from './api.ts';

export type Role = 'admin' | 'scientist' | 'reviewer' | 'app' | 'operator';

export interface Principal {
  name: string;
  role: Role;
  keyPrefix: string | null;
}

/** Roles the console serves; `app` keys are for programs calling predict, not people. */
export const CONSOLE_ROLES: readonly Role[] = ['admin', 'scientist', 'reviewer'];

/**
 * Who the stored key belongs to (GET /v1/whoami). A server without keys (embedded dev with auth
 * off) answers 404 there; the console then runs as a local admin, as the API itself does.
 * @throws ApiError UNAUTHENTICATED for a bad key, CONSOLE_ROLE_REFUSED for an `app` key
 */
export async function whoAmI(): Promise<Principal> {
  let principal: Principal;
  try {
    principal = await api<Principal>('/v1/whoami');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    await api('/v1/models');
    principal = { name: 'local', role: 'admin', keyPrefix: null };
  }
  if (!CONSOLE_ROLES.includes(principal.role)) {
    throw new ApiError(403, 'CONSOLE_ROLE_REFUSED', `the console is for people (admin, scientist, reviewer); this key has role ${principal.role}`, { role: principal.role });
  }
  return principal;
}

export const can = {
  launch: (p: Principal) => p.role === 'admin' || p.role === 'scientist',
  // Deciding proposals is for reviewer keys only (the API refuses an admin key there); a server
  // without keys (auth off) lets its local admin decide.
  review: (p: Principal) => p.role === 'reviewer' || (p.role === 'admin' && p.keyPrefix === null),
  // Pausing and resuming schedules: as src/http/policy.ts allows (those who change training).
  operate: (p: Principal) => p.role === 'admin' || p.role === 'scientist',
  // The audit log (GET /v1/audit): admins and reviewers.
  audit: (p: Principal) => p.role === 'admin' || p.role === 'reviewer',
};
