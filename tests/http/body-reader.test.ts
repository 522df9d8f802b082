import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyRequest } from 'fastify';
import { readBodyText } from '../../src/http/edge.ts';

/**
 * The JSON body reader (src/http/edge.ts) on a real socket, where a small request arrives whole
 * with its headers (the buffered path) or in pieces (the streamed path). Each answer says which
 * path ran, so a test fails if the path it means to check was not taken.
 */
interface Outcome {
  path: 'buffered' | 'streamed';
  /** Whether the reader put the stream in flowing mode (the streamed path does; the buffered one reads it at once). */
  flowed: boolean;
  text?: string;
  error?: string;
  status?: number;
}

const LIMIT = 64;

describe('readBodyText: a request body as text under the route limit', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      // As in Fastify, the parser runs after the onRequest hooks: a turn later than the headers.
      setImmediate(() => {
        const raw = req as IncomingMessage;
        const path = raw.complete ? 'buffered' : 'streamed';
        const request = { raw, headers: raw.headers, routeOptions: { bodyLimit: LIMIT } } as unknown as FastifyRequest;
        readBodyText(request, raw, (error, text) => {
          const flowed = raw.readableFlowing === true;
          const body: Outcome = error ? { path, flowed, error: (error as { code?: string }).code, status: (error as { statusCode?: number }).statusCode } : { path, flowed, text };
          const json = JSON.stringify(body);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), connection: 'close' });
          res.end(json);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Sends the request in parts, `gapMs` apart, and returns the server's outcome. */
  const send = (parts: Array<string | Buffer>, gapMs = 30): Promise<Outcome> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d));
      socket.on('end', () => resolve(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Outcome));
      socket.on('error', reject);
      socket.on('connect', async () => {
        for (let i = 0; i < parts.length; i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
          socket.write(parts[i]!);
        }
      });
    });
  const head = (length: number | 'chunked') =>
    `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${length === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${length}`}\r\n\r\n`;

  it('a body that arrived with its headers is taken whole from the buffer', async () => {
    const body = '{"instances":[{"a":1.5,"b":"é"}]}';
    const out = await send([head(Buffer.byteLength(body)) + body]);
    assert.deepEqual(out, { path: 'buffered', flowed: false, text: body });
  });

  it('an empty body is the empty string (the JSON parser then refuses it)', async () => {
    assert.deepEqual(await send([head(0)]), { path: 'buffered', flowed: false, text: '' });
  });

  it('a body still arriving is streamed, a multi-byte character split across chunks intact', async () => {
    const body = Buffer.from('{"team":"Málaga"}');
    const cut = body.indexOf(0xc3) + 1;
    const out = await send([head(body.length) + body.subarray(0, cut).toString('latin1'), body.subarray(cut)].map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
    assert.deepEqual(out, { path: 'streamed', flowed: true, text: body.toString('utf8') });
  });

  it('a declared length over the route limit is refused before any byte is read: 413', async () => {
    const out = await send([head(LIMIT + 1) + 'x'.repeat(LIMIT + 1)]);
    assert.equal(out.error, 'FST_ERR_CTP_BODY_TOO_LARGE');
    assert.equal(out.status, 413);
  });

  it('a chunked body growing past the limit is refused as it streams: 413', async () => {
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const out = await send([head('chunked') + chunk('x'.repeat(40)), chunk('y'.repeat(40)), '0\r\n\r\n']);
    assert.deepEqual({ path: out.path, error: out.error, status: out.status }, { path: 'streamed', error: 'FST_ERR_CTP_BODY_TOO_LARGE', status: 413 });
  });

  it('a chunked body within the limit is read whole', async () => {
    const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
    const out = await send([head('chunked') + chunk('{"a":'), chunk('1}') + '0\r\n\r\n']);
    assert.deepEqual(out, { path: 'streamed', flowed: true, text: '{"a":1}' });
  });
});

/** One keep-alive request's body and its whole text (headers and body in one write). */
const request = (i: number) => {
  const body = JSON.stringify({ i, team: i % 2 ? 'Málaga' : 'Köln', pad: 'x'.repeat(i % 17) });
  return { body, text: `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}` };
};

/**
 * Reads `count` responses (each with a content-length) off one socket, in order. Its listeners
 * come off the socket once it settles, so reading one response at a time on a connection adds
 * none (an 'error' listener left per request once passed the emitter's limit of 10).
 */
const responses = (socket: import('node:net').Socket, count: number): Promise<string[]> =>
  new Promise<string[]>((resolveAll, rejectAll) => {
    let buffer = Buffer.alloc(0);
    const out: string[] = [];
    const detach = () => socket.off('data', onData).off('error', reject).off('close', onClose);
    const resolve = (value: string[]) => (detach(), resolveAll(value));
    const reject = (error: Error) => (detach(), rejectAll(error));
    const onClose = () => (out.length === count ? resolve(out) : reject(new Error(`connection closed after ${out.length} of ${count} responses`)));
    const onData = (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        if (buffer.length < end + 4 + length) break;
        assert.match(head, /^HTTP\/1\.1 200/);
        assert.doesNotMatch(head, /connection: close/i);
        out.push(buffer.subarray(end + 4, end + 4 + length).toString('utf8'));
        buffer = buffer.subarray(end + 4 + length);
      }
      if (out.length === count) resolve(out);
    };
    socket.on('data', onData).on('error', reject).on('close', onClose);
  });

/**
 * On a keep-alive connection, as autocannon and any pooled client send them: the reader runs inside
 * Fastify, after an async onRequest hook (the service has several), where a request's bytes are
 * buffered but the parser has not yet reached the end of its message (`complete` is still false).
 * The buffered path must take those too; before it did, only the first request of a connection did.
 */
describe('readBodyText inside Fastify, many requests on one keep-alive connection', () => {
  const app = Fastify({ keepAliveTimeout: 10_000 });
  let port: number;
  beforeAll(async () => {
    app.addHook('onRequest', async () => undefined);
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', (request, payload, done) => {
      readBodyText(request, payload as IncomingMessage, (error, text) => {
        // The probe: the streamed path puts the stream in flowing mode, the buffered one never does.
        done(error, error ? undefined : { text, flowed: (payload as IncomingMessage).readableFlowing === true });
      });
    });
    app.post('/', async (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it('200 requests one after another: every body read whole from the buffer', async () => {
    const socket = connect(port, '127.0.0.1');
    const got: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { text } = request(i);
      const answer = responses(socket, 1);
      socket.write(text);
      got.push((await answer)[0]!);
    }
    assert.equal(socket.listenerCount('error') + socket.listenerCount('data'), 0, 'responses() left listeners on the socket');
    socket.end();
    const flowed = got.map((g) => (JSON.parse(g) as { flowed: boolean }).flowed);
    assert.equal(flowed.filter((f) => f).length, 0, `streamed on requests ${flowed.flatMap((f, i) => (f ? [i] : [])).slice(0, 10).join(', ')}`);
    assert.deepEqual(got.map((g) => (JSON.parse(g) as { text: string }).text), Array.from({ length: 200 }, (_, i) => request(i).body));
  });

  it('50 pipelined requests in one write: bodies intact and in order, each from the buffer', async () => {
    const socket = connect(port, '127.0.0.1');
    const answers = responses(socket, 50);
    socket.write(Array.from({ length: 50 }, (_, i) => request(i).text).join(''));
    const got = (await answers).map((g) => JSON.parse(g) as { text: string; flowed: boolean });
    socket.end();
    assert.deepEqual(got.map((g) => g.text), Array.from({ length: 50 }, (_, i) => request(i).body));
    assert.equal(got.filter((g) => g.flowed).length, 0);
  });
});

/**
 * The same, with only callback onRequest hooks (the service's auth and URL checks are): the parser
 * then runs inside the HTTP parser's 'request' event, before the body of the same packet has been
 * pushed into the stream. The reader looks again a tick later, and takes it from the buffer.
 */
describe('readBodyText inside Fastify after callback hooks only, on one keep-alive connection', () => {
  const app = Fastify({ keepAliveTimeout: 10_000 });
  let port: number;
  /** The body's bytes buffered when the parser started (the probe that this case is the one meant). */
  const bufferedAtStart: boolean[] = [];
  beforeAll(async () => {
    app.addHook('onRequest', (_request, _reply, done) => done());
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', (request, payload, done) => {
      const raw = payload as IncomingMessage;
      bufferedAtStart.push(raw.readableLength === Number(request.headers['content-length']));
      readBodyText(request, raw, (error, text) => {
        done(error, error ? undefined : { text, flowed: raw.readableFlowing === true });
      });
    });
    app.post('/', async (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  it('100 requests one after another: each body arrives after the parser started, and is read whole from the buffer', async () => {
    const socket = connect(port, '127.0.0.1');
    const got: Array<{ text: string; flowed: boolean }> = [];
    for (let i = 0; i < 100; i++) {
      const answer = responses(socket, 1);
      socket.write(request(i).text);
      got.push(JSON.parse((await answer)[0]!) as { text: string; flowed: boolean });
    }
    assert.equal(socket.listenerCount('error') + socket.listenerCount('data'), 0, 'responses() left listeners on the socket');
    socket.end();
    assert.equal(bufferedAtStart.filter((b) => b).length, 0, 'the body was already buffered when the parser ran: this case does not check the second look a tick later');
    assert.equal(got.filter((g) => g.flowed).length, 0, `streamed on requests ${got.flatMap((g, i) => (g.flowed ? [i] : [])).slice(0, 10).join(', ')}`);
    assert.deepEqual(got.map((g) => g.text), Array.from({ length: 100 }, (_, i) => request(i).body));
  });
});
