import { fileURLToPath } from 'node:url';

/** The CLI as users start it. */
export const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));

/** The embedded mode: no DATABASE_URL, no REDIS_URL, a data folder of its own. */
export function embeddedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SHARPLINE_HOME: home, LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

/** A TCP port nobody listens on right now (one helper for every test). */
export { freePort } from './services.ts';
