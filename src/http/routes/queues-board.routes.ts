import { Type } from '@sinclair/typebox';
import type { Queue } from 'bullmq';
import type { AppInstance } from '../types.ts';
import { AppError } from '../../../core/index.ts';
import { authenticateKey } from '../../governance/index.ts';
import { boardQueues } from '../../services/index.ts';
import { QUEUES_COOKIE, QUEUES_PATH } from '../auth.ts';

/**
 * The dashboard's own Content-Security-Policy (this plugin's responses only; the rest of the
 * service keeps edge.ts's): bull-board's page sets inline styles and loads its font from Google
 * Fonts; scripts still come only from this origin.
 */
export const QUEUES_BOARD_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "img-src 'self' data:",
  "font-src 'self' data: https://fonts.gstatic.com",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join(';');

const SIGN_IN_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sharpline queues: sign in</title></head>
<body style="font-family:sans-serif;max-width:28rem;margin:4rem auto">
<h1>Queues dashboard</h1>
<p>Paste an <strong>admin</strong> API key. It is kept in an HttpOnly cookie for ${QUEUES_PATH} only, until the browser closes.</p>
<form method="post" action="${QUEUES_PATH}/sign-in">
<input type="password" name="key" autocomplete="off" required style="width:100%" aria-label="API key">
<p><button type="submit">Sign in</button></p>
</form></body></html>`;

/**
 * `/ui/queues`: BullMQ's queues through bull-board, for admin keys (policy.ts), in its own
 * encapsulated plugin (its CSP, error handler and form parser stay here). The Queue objects are
 * the server's own (services' boardQueues: created lazily, nothing polls Redis until the page asks).
 * Without REDIS_URL the queues run in-process: every page answers 404 QUEUES_IN_PROCESS.
 */
export async function queuesBoardRoutes(app: AppInstance): Promise<void> {
  const queues = boardQueues(app.ctx);
  if (!queues) {
    const inProcess = async (): Promise<never> => {
      throw new AppError('QUEUES_IN_PROCESS', `the queues run in-process (REDIS_URL is not set), so there is no BullMQ dashboard at ${QUEUES_PATH}`);
    };
    app.get(QUEUES_PATH, { schema: { hide: true } }, inProcess);
    app.get(`${QUEUES_PATH}/*`, { schema: { hide: true } }, inProcess);
    return;
  }
  // bull-board (and the BullMQ it requires) loads only for a server whose queues are on Redis.
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([import('@bull-board/api'), import('@bull-board/api/bullMQAdapter'), import('@bull-board/fastify')]);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('content-security-policy', QUEUES_BOARD_CSP);
  });

  app.get(`${QUEUES_PATH}/sign-in`, { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(SIGN_IN_PAGE));
  app.post(`${QUEUES_PATH}/sign-in`, { schema: { hide: true, body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 512 }) }) } }, async (request, reply) => {
    const { key } = request.body as { key: string };
    const result = await authenticateKey(app.ctx.db, key);
    if (!result.ok) throw new AppError('UNAUTHENTICATED', result.reason, { details: { route: `POST ${QUEUES_PATH}/sign-in` } });
    if (result.principal.role !== 'admin') {
      throw new AppError('FORBIDDEN', `role ${result.principal.role} may not open the queue dashboard (allowed: admin)`, { details: { route: `GET ${QUEUES_PATH}`, role: result.principal.role, allowed: ['admin'] } });
    }
    const secure = request.protocol === 'https' ? '; Secure' : '';
    void reply.header('set-cookie', `${QUEUES_COOKIE}=${encodeURIComponent(key)}; Path=${QUEUES_PATH}; HttpOnly; SameSite=Strict${secure}`);
    return reply.redirect(`${QUEUES_PATH}/`, 303);
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q as Queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Sharpline queues' } },
  });
  // bull-board sets an error handler on its routes; rethrowing hands errors (the access check's
  // 401/403 included) to the service's, so they keep the coded body.
  serverAdapter.setErrorHandler((error) => {
    throw error;
  });
  await app.register(serverAdapter.registerPlugin() as never, { prefix: QUEUES_PATH });
}
