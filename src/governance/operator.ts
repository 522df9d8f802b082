import { userInfo } from 'node:os';
import type { Actor } from './types.ts';

/**
 * The identity of a CLI command that talks to the database directly: whoever can run it holds the
 * database credentials, so it is not asked for a key, but it is audited with the operator role, under `cli:<OS user>` unless it names itself
 * (`--actor`): whoever holds the database credentials could write any row anyway.
 */
export function operatorActor(name?: string): Actor {
  if (name) return { name, role: 'operator' };
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the role still says it was the operator.
  }
  return { name: `cli:${user}`, role: 'operator' };
}
