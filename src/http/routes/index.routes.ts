import { Type, type Static } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';

const IndexSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  links: Type.Array(Type.Object({ href: Type.String(), title: Type.String() })),
});

const INDEX: Static<typeof IndexSchema> = {
  name: 'Sharpline API',
  description: 'Sports-betting models: data, features, training, registry, predictions and explanations.',
  links: [
    { href: '/ui/', title: 'the console: models, evidence, explanations, training runs, promotions' },
    { href: '/docs', title: 'API reference (browsable, generated from the route schemas)' },
    { href: '/openapi.json', title: 'OpenAPI 3.1 document' },
    { href: '/healthz', title: 'liveness' },
    { href: '/readyz', title: 'readiness: database and queue' },
    { href: '/v1/models', title: 'registered models and their aliases' },
    { href: '/metrics', title: 'Prometheus metrics' },
  ],
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

const INDEX_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${INDEX.name}</title></head><body>
<h1>${INDEX.name}</h1><p>${escapeHtml(INDEX.description)}</p>
<ul>${INDEX.links.map((l) => `<li><a href="${l.href}">${l.href}</a> — ${escapeHtml(l.title)}</li>`).join('')}</ul>
</body></html>\n`;

/** `GET /`: where to go from the root — a small page for a browser, the same links as JSON otherwise. */
export async function indexRoutes(app: AppInstance): Promise<void> {
  app.get('/', {
    schema: {
      tags: ['health'],
      summary: 'Index: links to the API reference, the OpenAPI document, health and metrics (HTML for a browser, JSON otherwise).',
      response: {
        200: {
          content: {
            'application/json': { schema: IndexSchema },
            'text/html': { schema: Type.String() },
          },
        },
      },
    },
  }, async (request, reply) => {
    // Browsers ask for text/html by name; curl and API clients send */* or application/json.
    const html = /\btext\/html\b/.test(request.headers.accept ?? '');
    return html ? reply.type('text/html; charset=utf-8').send(INDEX_HTML) : reply.type('application/json; charset=utf-8').send(INDEX);
  });
}
