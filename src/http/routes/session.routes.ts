import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';

const WhoAmI = Type.Object({
  name: Type.String(),
  role: Type.Union(['admin', 'scientist', 'reviewer', 'app', 'operator'].map((r) => Type.Literal(r))),
  keyPrefix: Type.Union([Type.String(), Type.Null()]),
  authenticated: Type.Boolean({ description: 'false: the server takes requests without a key (auth off), and acts for them as a local admin' }),
});

/**
 * `GET /v1/whoami`: whose key this is (owner, role, public prefix), so a client such as the
 * console can show who is signed in and what they may do. Never the secret.
 */
export async function sessionRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/whoami', {
    schema: {
      tags: ['governance'],
      summary: 'The caller as the server sees it: key owner, role and prefix (never the secret).',
      response: { 200: WhoAmI, ...errorResponses(401) },
    },
  }, async (request) => {
    const p = request.principal;
    return p ? { name: p.name, role: p.role, keyPrefix: p.keyPrefix, authenticated: true } : { name: 'local', role: 'admin' as const, keyPrefix: null, authenticated: false };
  });
}
