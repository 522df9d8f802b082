import type { FlowProducer, Queue, Job, FlowChildJob } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { createRequire } from 'node:module';
import { type AddJobOptions, type FlowJob, type JobInfo, type JobQueues, type JobState, type Processor, type WorkerHandle, type WorkerOptions, PermanentJobError } from './queue.ts';
import { AppError, type Logger } from '../../core/index.ts';
import { errorText, redactUrl, type OutageLog } from '../outage.ts';

export interface BullmqQueuesOptions {
  /** Key prefix: each deployment (and each test) has its own, so none takes another's jobs. */
  prefix: string;
  /** Told when Redis stops and starts answering (one warning per outage). */
  outage?: OutageLog;
  /** Errors of a worker that are not about the connection. */
  logger?: Logger;
  /** Longest a queue operation waits for Redis before QUEUE_UNAVAILABLE, ms (default 2000). */
  timeoutMs?: number;
}

/** `state` must be read before the job hash: the hash then already holds what that state implies. */
function toInfo(job: Job, state: string): JobInfo {
  const known: JobState[] = ['waiting', 'active', 'completed', 'failed', 'delayed'];
  return {
    id: job.id ?? '',
    name: job.name,
    state: known.includes(state as JobState) ? (state as JobState) : state === 'prioritized' || state === 'waiting-children' ? 'waiting' : 'unknown',
    progress: job.progress as number | object,
    attemptsMade: job.attemptsMade,
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { returnValue: job.returnvalue } : {}),
  };
}

/** Reconnect every 0.2 s, 0.4 s … at most every 2 s, for as long as it takes. */
const retryStrategy = (times: number) => Math.min(times * 200, 2000);

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|Connection is closed|Stream isn't writeable|Command timed out|connect/i;

// BullMQ and ioredis load when the first Redis-backed queue is made, not when the jobs door is
// imported: a process whose jobs run in-process (the demo, an embedded `serve`, most commands)
// never pays their 0.3 s of start-up CPU. Both are CommonJS packages, so require() loads them in place.
const requireCjs = createRequire(import.meta.url);

/** BullMQ queues and workers on one Redis. */
export function createBullmqQueues(redisUrl: string, options: BullmqQueuesOptions): JobQueues {
  const { FlowProducer, Queue, Worker, UnrecoverableError } = requireCjs('bullmq') as typeof import('bullmq');
  const { Redis } = requireCjs('ioredis') as typeof import('ioredis');
  const { prefix, outage, logger } = options;
  const timeoutMs = options.timeoutMs ?? 2000;
  const where = `Redis at ${redactUrl(redisUrl)} (REDIS_URL)`;
  let down: string | undefined;

  const watch = (connection: Redis): Redis => {
    connection.on('error', (error: unknown) => {
      down ??= errorText(error);
      outage?.failed(error);
    });
    connection.on('ready', () => {
      down = undefined;
      outage?.recovered();
    });
    return connection;
  };
  // Queue commands fail at once while Redis is away (no offline queue) and after `timeoutMs` when
  // it hangs, so a submission never waits on Redis. Workers' blocking connections are the opposite:
  // BullMQ needs them to retry forever (maxRetriesPerRequest null) and resumes when Redis returns.
  // (ioredis's own 10 s connect timeout stays: a connection slow to open on a loaded machine is
  // not an outage, and no operation waits for it longer than `timeoutMs` anyway.)
  const commandOptions: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: timeoutMs, retryStrategy };
  const connection = watch(new Redis(redisUrl, commandOptions));
  const queues = new Map<string, Queue>();
  const workers = new Set<WorkerHandle>();

  function unavailable(reason: string | undefined, cause?: unknown): AppError {
    return new AppError('QUEUE_UNAVAILABLE', `${where} is unreachable${reason ? `: ${reason}` : ''}`, { cause, details: { redis: redactUrl(redisUrl), prefix } });
  }

  /** Resolves once the command connection is ready; rejects at its first error or after `ms`. */
  function ready(ms: number): Promise<void> {
    if (connection.status === 'ready') return Promise.resolve();
    if (down) return Promise.reject(unavailable(down));
    return new Promise((resolve, reject) => {
      const done = (error?: unknown) => {
        clearTimeout(timer);
        connection.off('ready', onReady);
        connection.off('error', onError);
        if (error === undefined) resolve();
        else reject(error instanceof AppError ? error : unavailable(errorText(error), error));
      };
      const onReady = () => done();
      const onError = (error: unknown) => done(error);
      const timer = setTimeout(() => done(unavailable(`no connection within ${ms} ms`)), ms);
      connection.once('ready', onReady);
      connection.once('error', onError);
    });
  }

  /** Runs `op` against Redis within `ms`, turning connection failures into QUEUE_UNAVAILABLE. */
  async function bounded<T>(op: () => Promise<T>, ms = timeoutMs): Promise<T> {
    await ready(ms);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(unavailable(`no answer within ${ms} ms`)), ms);
        }),
      ]);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (CONNECTION_ERROR.test((error as Error)?.message ?? '')) throw unavailable(errorText(error), error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  function queueOf(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix });
      q.on('error', (error: unknown) => outage?.failed(error));
      queues.set(name, q);
    }
    return q;
  }

  let flowProducer: FlowProducer | undefined;
  const jobOptions = (opts: AddJobOptions) => ({
    jobId: opts.jobId,
    attempts: opts.attempts ?? 1,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  });

  return {
    kind: 'bullmq',
    target: `${where}, prefix ${prefix}`,
    bullmqQueue: (name: string) => queueOf(name),

    async add<TData>(queue: string, name: string, data: TData, opts: AddJobOptions) {
      return bounded(async () => {
        const q = queueOf(queue);
        if (opts.replaceFinished) {
          const existing = await q.getJob(opts.jobId);
          const state = existing ? await existing.getState() : undefined;
          if (existing && (state === 'completed' || state === 'failed')) await existing.remove();
        }
        const job = await q.add(name, data, jobOptions(opts));
        return toInfo(job, await job.getState());
      });
    },

    async addFlow(parent, children) {
      return bounded(async () => {
        flowProducer ??= new FlowProducer({ connection, prefix });
        // A failed child (after its last attempt) is dropped from the parent's dependencies rather
        // than failing it: the parent settles from what the database recorded of every child.
        const childJobs: FlowChildJob[] = children.map((c: FlowJob) => ({ name: c.name, queueName: c.queue, data: c.data, opts: { ...jobOptions(c.options), ignoreDependencyOnFailure: true } }));
        const node = await flowProducer.add({ name: parent.name, queueName: parent.queue, data: parent.data, opts: jobOptions(parent.options), children: childJobs });
        return toInfo(node.job, await node.job.getState());
      });
    },

    async upsertScheduler(queue, spec) {
      await bounded(async () => {
        await queueOf(queue).upsertJobScheduler(spec.id, { every: spec.everyMs }, {
          name: spec.name,
          data: spec.data,
          opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        });
      });
    },

    async listSchedulers(queue) {
      return bounded(async () => {
        const list = await queueOf(queue).getJobSchedulers(0, -1, true);
        return list.map((s) => ({ id: s.key, everyMs: Number(s.every ?? 0), next: s.next ? new Date(Number(s.next)).toISOString() : null }));
      });
    },

    async removeScheduler(queue, id) {
      return bounded(() => queueOf(queue).removeJobScheduler(id));
    },

    async getJob(queue, jobId) {
      return bounded(async () => {
        const q = queueOf(queue);
        // Reading the state first: a job read as 'completed' then has its return value in the hash.
        const state = await q.getJobState(jobId);
        const job = await q.getJob(jobId);
        return job ? toInfo(job, state) : undefined;
      });
    },

    async jobCounts(queue) {
      return bounded(async () => {
        const c = await queueOf(queue).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
        return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0 };
      });
    },

    async workerCount(queue) {
      return bounded(() => queueOf(queue).getWorkersCount());
    },

    async remove(queue, jobId) {
      return bounded(async () => {
        const job = await queueOf(queue).getJob(jobId);
        if (!job) return false;
        const state = await job.getState();
        if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
        try {
          await job.remove();
          return true;
        } catch {
          return false;
        }
      });
    },

    startWorker<TData, TResult>(queue: string, processor: Processor<TData, TResult>, opts: WorkerOptions = {}): WorkerHandle {
      const controller = new AbortController();
      // A connection we hand to BullMQ is ours to close after the worker stops.
      const workerConnection = watch(new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy }));
      const worker = new Worker(
        queue,
        async (job: Job) => {
          try {
            return await processor({
              id: job.id ?? '',
              name: job.name,
              data: job.data as TData,
              attemptsMade: job.attemptsMade,
              signal: controller.signal,
              updateProgress: (p) => job.updateProgress(p),
            });
          } catch (error) {
            // Bad input never succeeds on retry: tell BullMQ not to try again.
            if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
            throw error;
          }
        },
        {
          connection: workerConnection,
          prefix,
          concurrency: opts.concurrency ?? 1,
          ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs } : {}),
        },
      );
      // Connection trouble is the outage log's to report (once); anything else is worth a line.
      worker.on('error', (error: unknown) => {
        if (CONNECTION_ERROR.test((error as Error)?.message ?? '')) outage?.failed(error);
        else logger?.warn({ queue, error: errorText(error) }, 'worker error');
      });
      if (opts.onStalled) worker.on('stalled', (jobId: string) => opts.onStalled!(jobId));
      const handle: WorkerHandle = {
        async close() {
          await worker.close();
          workerConnection.disconnect();
          workers.delete(handle);
        },
      };
      workers.add(handle);
      return handle;
    },

    async problem(ms = 1000) {
      try {
        const answer = await bounded(() => connection.ping(), ms);
        return answer === 'PONG' ? undefined : `${where} answered PING with ${JSON.stringify(answer)}`;
      } catch (error) {
        return (error as Error).message;
      }
    },

    async close() {
      await Promise.all([...workers].map((w) => w.close()));
      // Closing a queue talks to Redis; when Redis is away that must not keep the process alive.
      await Promise.all([...queues.values()].map((q) => Promise.race([q.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())])));
      if (flowProducer) await Promise.race([flowProducer.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      connection.disconnect();
    },
  };
}
