import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { getRun, TrainingSpecSchema, type TrainingRun } from '../../../training/index.ts';
import { checkTraining } from '../../services/training-service.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** How often the run row (the source of truth, written by whichever worker trains it) is read. */
const POLL_MS = 500;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** One stream lasts at most this long; the client reconnects (EventSource does by itself). */
const MAX_STREAM_MS = 30 * 60_000;

function frame(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Log lines for the changes a reader cares about between two reads: status, phase, an epoch. */
function logLinesOf(before: TrainingRun | null, run: TrainingRun): string[] {
  const p = run.progress as { phase?: string; epoch?: number; epochs?: number; loss?: number; valLoss?: number };
  const q = (before?.progress ?? {}) as typeof p;
  const lines: string[] = [];
  if (!before || before.status !== run.status) lines.push(`status ${run.status}${run.error ? `: ${run.error.code} ${run.error.message}` : ''}`);
  if (p.phase !== undefined && p.phase !== q.phase) lines.push(`phase ${p.phase}`);
  if (p.epoch !== undefined && p.epoch !== q.epoch) lines.push(`epoch ${p.epoch}${p.epochs ? `/${p.epochs}` : ''} loss ${p.loss?.toFixed(4) ?? '?'}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : ''}`);
  return lines;
}

/**
 * `GET /v1/training-jobs/:id/events`: server-sent events of one run — `run` (the whole run at
 * start), `progress` (phase, epoch, loss, validation loss) on each change, `log` lines, and `end`
 * with the final run, after which the stream closes. Bounded: closes after 30 min (reconnect) or
 * when the client goes away.
 */
export async function trainingEventsRoutes(app: AppInstance): Promise<void> {
  app.post('/v1/training-jobs/check', {
    schema: {
      tags: ['training'],
      summary: 'Checks a training spec as a launch would (same codes: TRAINING_SPEC_INVALID naming every bad field, COMPETITION_UNKNOWN, FEATURE_SET_UNAVAILABLE ...) without launching anything; answers the normalised spec and the run id a launch would get.',
      body: TrainingSpecSchema,
      response: { 200: Type.Object({ spec: Type.Record(Type.String(), Type.Unknown()), runId: Type.String() }), ...errorResponses(400, 404) },
    },
    // As POST /v1/training-jobs: training's own validator is the one that decides.
    validatorCompiler: () => (value: unknown) => ({ value }),
  }, async (request) => {
    const { spec, runId } = await checkTraining(app.ctx, request.body);
    return { spec: { ...spec }, runId };
  });

  app.get('/v1/training-jobs/:id/events', {
    schema: {
      tags: ['training'],
      summary: 'Live progress of one run as server-sent events: run, progress (phase, epoch, loss, valLoss), log, end.',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: { content: { 'text/event-stream': { schema: Type.String() } } }, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const { db } = app.ctx;
    let last = await getRun(db, request.params.id);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-request-id': request.id,
      'x-accel-buffering': 'no',
    });
    let seq = 0;
    let closed = false;
    const started = Date.now();
    let lastWrite = Date.now();
    const write = (text: string) => {
      if (closed) return;
      res.write(text);
      lastWrite = Date.now();
    };
    const end = () => {
      if (closed) return;
      closed = true;
      res.end();
    };
    request.raw.on('close', () => {
      closed = true;
    });
    write('retry: 2000\n\n');
    write(frame('run', last, seq++));
    for (const line of logLinesOf(null, last)) write(frame('log', { at: new Date().toISOString(), line }, seq++));
    if (TERMINAL.has(last.status)) {
      write(frame('end', last, seq++));
      return end();
    }
    while (!closed && Date.now() - started < MAX_STREAM_MS) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (closed) break;
      let run: TrainingRun;
      try {
        run = await getRun(db, request.params.id);
      } catch (error) {
        // A database hiccup is said on the stream; the client keeps the last state and reconnects.
        write(frame('error', { message: (error as Error).message }, seq++));
        break;
      }
      if (JSON.stringify(run.progress) !== JSON.stringify(last.progress) || run.status !== last.status) {
        write(frame('progress', { status: run.status, progress: run.progress, seconds: run.seconds }, seq++));
        for (const line of logLinesOf(last, run)) write(frame('log', { at: new Date().toISOString(), line }, seq++));
      } else if (Date.now() - lastWrite > HEARTBEAT_MS) {
        write(': heartbeat\n\n');
      }
      last = run;
      if (TERMINAL.has(run.status)) {
        write(frame('end', run, seq++));
        break;
      }
    }
    end();
  });
}
