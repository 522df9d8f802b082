import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

/** The CLI as users start it. */
export const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));

/** The embedded mode: no DATABASE_URL, no REDIS_URL, a data folder of its own. */
export function embeddedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SHARPLINE_HOME: home, LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
