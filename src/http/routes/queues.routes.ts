import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { AppError } from '../../../core/index.ts';
import { dashboardQueues } from '../../services/index.ts';
import { httpStatusOf } from '../../error-policy.ts';

const BASE = '/ui/queues';
const COOKIE = 'sharpline_queues';
/** A ticket opens the dashboard for this long; the console asks for a new one each time. */
const TICKET_SECONDS = 15 * 60;
/** bull-board's page carries inline bootstrap scripts and styles: a CSP of its own, on its paths only. */
const DASHBOARD_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'";

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/**
 * The queue dashboard (bull-board, admin only) at /ui/queues. A browser navigating there cannot
 * send the console's Bearer key, so an admin's console first asks `POST /v1/queues/session` for a
 * short-lived ticket: an HttpOnly, SameSite=Strict cookie scoped to /ui/queues, signed with a
 * secret this server holds in memory (a ticket is good on the server that issued it only).
 */
export async function queuesRoutes(app: AppInstance): Promise<void> {
  const secret = randomBytes(32);
  const sign = (expires: number) => createHmac('sha256', secret).update(String(expires)).digest('base64url');
  const valid = (ticket: string | undefined) => {
    const [expires, mac] = (ticket ?? '').split('.');
    if (!expires || !mac || Number(expires) < Date.now() / 1000) return false;
    const want = Buffer.from(sign(Number(expires)));
    const got = Buffer.from(mac);
    return want.length === got.length && timingSafeEqual(want, got);
  };
  const queues = dashboardQueues(app.ctx);

  app.post('/v1/queues/session', {
    schema: {
      tags: ['training'],
      summary: 'A ticket (cookie) that opens the queue dashboard at /ui/queues/ for 15 minutes; admin only. 404 QUEUE_DASHBOARD_UNAVAILABLE when jobs run in-process (no REDIS_URL).',
      response: { 204: { type: 'null', description: 'the ticket is in Set-Cookie' }, ...errorResponses(404) },
    },
  }, async (_request, reply) => {
    if (!queues) throw new AppError('QUEUE_DASHBOARD_UNAVAILABLE', 'the queue dashboard needs BullMQ (REDIS_URL); jobs run in-process on this server');
    const expires = Math.floor(Date.now() / 1000) + TICKET_SECONDS;
    return reply
      .header('set-cookie', `${COOKIE}=${expires}.${sign(expires)}; Path=${BASE}; Max-Age=${TICKET_SECONDS}; HttpOnly; SameSite=Strict`)
      .status(204)
      .send();
  });

  if (!queues) return;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BASE);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q as never)), serverAdapter });
  await app.register(async (scope) => {
    // bull-board's own pages and JSON are not part of the documented API.
    scope.addHook('onRoute', (route) => {
      route.schema = { ...(route.schema ?? {}), hide: true };
    });
    scope.addHook('onRequest', async (request, reply) => {
      if (!valid(cookieOf(request.headers.cookie, COOKIE))) {
        // Answered here, in the service's error shape: bull-board's plugin sets an error handler of its own for its scope.
        const refused = new AppError('QUEUE_DASHBOARD_TICKET_REQUIRED', 'open the queue dashboard from the console (Training runs, as an admin): it needs a ticket from POST /v1/queues/session');
        return reply.status(httpStatusOf(refused.code)).type('application/json; charset=utf-8').send(refused.toBody());
      }
    });
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', DASHBOARD_CSP);
    });
    await scope.register(serverAdapter.registerPlugin() as never);
  }, { prefix: BASE });
}
