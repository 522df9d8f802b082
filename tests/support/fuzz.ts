import fc from 'fast-check';

/**
 * Requests generated from the OpenAPI document for fuzzing: wrong types, huge and non-finite
 * numbers, deep nesting, invalid UTF-8 and NUL, oversize bodies, path traversal and SQL-looking
 * text in path, query and body, mixed with names and ids that exist so requests reach the routes'
 * logic. Used by the fuzz test and by the test that greps every log line for secrets.
 */
export const FUZZ_BODY_LIMIT = 4096;
const BODY_LIMIT = FUZZ_BODY_LIMIT;

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  pathParams: string[];
  query: Array<{ name: string; type: string }>;
  body: boolean;
}

/** Text meant to break something: encodings, traversal, SQL, numbers a parser chokes on. */
const HOSTILE = [
  '%00', 'a%00b', '%FF', '%C3%28', '%ED%A0%80', '%E2%82', '..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '....//....//',
  "'%20OR%20'1'%3D'1", '1%3B%20DROP%20TABLE%20models--', '%22%3B--', '%5C', '%25', '%2525', '%0A', '%0D%0A', '%09', '%7F', '%E2%80%AE',
  'Infinity', '-Infinity', 'NaN', '1e309', '-1e309', '1e-400', '9999999999999999999999', '-1', '0', '0x10', '1.5', '%201', '1%20', '',
  'true', 'null', '[]', '%7B%7D', 'x'.repeat(3000), encodeURIComponent('ø'.repeat(300)), encodeURIComponent('😀'), 'champion', 'fuzz', '1', 'SYN', 'E0',
] as const;

/** Values that reach a route's logic when combined: names and ids that exist. */
const KNOWN = ['fuzz', 'champion', '1', '2', 'soccer-1x2-market', 'SYN', 'soccer', 'book', 'best', 'json', 'csv'];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);

/** JSON values of every type, including deep and wide ones and NUL/lone-surrogate strings. */
const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', "' OR 1=1 --", '../../etc/passwd', 'x'.repeat(5000), 1e308, -1e308, 2 ** 53 + 1, -0, 1e-320),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

export function validBody(op: Operation): Record<string, unknown> {
  const key = `${op.method} ${op.path}`;
  if (key === 'POST /v1/training-jobs') return { model: 'fuzz-new', featureSet: 'soccer-1x2-market', trainTo: '2024-06-30', testFrom: '2024-07-01', testTo: '2025-06-30', params: { epochs: 1 } };
  if (key.startsWith('PUT /v1/models/{name}/aliases')) return { version: 1, actor: 'fuzz' };
  if (key === 'POST /v1/feature-sets/{name}/online') return { competition: 'SYN', home: 'a', away: 'b', kickoff: '2026-12-01T15:00:00Z' };
  if (key.endsWith('/predict')) return { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] };
  if (key.endsWith('/infer')) return { inputs: [{ name: 'features', shape: [1, 5], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4, 0.5] }] };
  return {};
}

/** A request body: a valid one with one field broken, any JSON, deep nesting, oversize, bad JSON or bad UTF-8. */
function bodyArbitrary(op: Operation): fc.Arbitrary<{ payload: string | Buffer; contentType: string }> {
  const json = (v: unknown) => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json' });
  const base = validBody(op);
  const fields = Object.keys(base);
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...(fields.length ? fields : ['x'])), hostileJsonValue).map(([f, v]) => json({ ...base, [f]: v })) },
    { weight: 1, arbitrary: fc.constant(json(base)) },
    { weight: 2, arbitrary: hostileJsonValue.map(json) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((d) => ({ payload: '['.repeat(d) + ']'.repeat(d), contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 5000 }).map((d) => ({ payload: '{"a":'.repeat(d) + '1' + '}'.repeat(d), contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({ payload: JSON.stringify({ ...base, pad: 'x'.repeat(BODY_LIMIT * 2) }), contentType: 'application/json' }) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":}', 'nul', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000').map((p) => ({ payload: p, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({ payload: Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]), contentType: 'application/json' }) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x').map((contentType) => ({ payload: 'a=1', contentType })) },
  );
}

export function requestArbitrary(ops: Operation[]) {
  return fc.constantFrom(...ops).chain((op) =>
    fc.record({
      op: fc.constant(op),
      params: fc.tuple(...op.pathParams.map(() => text), fc.constant('')),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(op.query.length ? op.query.map((q) => q.name) : ['x'])), fc.constantFrom('x', '__proto__', 'limit%00', '%FF')), text), { maxLength: 4 }),
      body: op.body ? bodyArbitrary(op).map((b) => b as { payload: string | Buffer; contentType: string } | undefined) : fc.constant(undefined),
    }),
  );
}

export function urlOf(op: Operation, params: readonly string[], query: ReadonlyArray<readonly [string, string]>): string {
  let i = 0;
  const path = op.path.replace(/\{[^}]+\}/g, () => params[i++] ?? 'x');
  return query.length ? `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
}


interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema?: { type?: string } }>; requestBody?: unknown }>>;
}

/** Every operation of an OpenAPI document. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, type: p.schema?.type ?? 'string' })),
      body: op.requestBody !== undefined,
    })),
  );
}
