import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { AppInstance } from '../types.ts';
import { AppError } from '../../../core/index.ts';

/**
 * Where the built console is: dist/web beside the compiled modules (run from dist/) or under the
 * repository's dist/ (run from the sources). `npm install` builds it (scripts/build.mjs).
 */
export function consoleFolder(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return root.endsWith('/dist/') ? `${root}web` : `${root}dist/web`;
}

/**
 * The web console at /ui: static files only (index.html and hashed assets); every page reads the
 * public API with the signed-in key, so the files themselves are open. Hashed assets are cached
 * for a year, index.html never (a new build is picked up on reload).
 */
export async function consoleRoutes(app: AppInstance): Promise<void> {
  const root = consoleFolder();
  app.get('/ui', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui/', 302));
  if (!existsSync(`${root}/index.html`)) {
    app.get('/ui/*', { schema: { hide: true } }, async () => {
      throw new AppError('CONSOLE_NOT_BUILT', `the console is not built (no ${root}/index.html): run npm run build`);
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    index: ['index.html'],
    wildcard: true,
    decorateReply: false,
    schemaHide: true,
    setHeaders: (res, path) => {
      void res.header('cache-control', /\/assets\//.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
