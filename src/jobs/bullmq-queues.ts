import { Queue, Worker, UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { AddJobOptions, JobInfo, JobQueues, JobState, Processor, WorkerHandle, WorkerOptions } from './queue.ts';
import { PermanentJobError } from './queue.ts';

export interface BullmqQueuesOptions {
  /** Key prefix, so tests (and several deployments on one Redis) never share queues. */
  prefix?: string;
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

/** BullMQ queues and workers on one Redis. */
export function createBullmqQueues(redisUrl: string, options: BullmqQueuesOptions = {}): JobQueues {
  const prefix = options.prefix ?? 'sharpline';
  // Workers need blocking connections with maxRetriesPerRequest null; queues share one connection.
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  connection.on('error', () => undefined);
  const queues = new Map<string, Queue>();
  const workers = new Set<WorkerHandle>();

  function queueOf(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix });
      q.on('error', () => undefined);
      queues.set(name, q);
    }
    return q;
  }

  return {
    kind: 'bullmq',

    async add<TData>(queue: string, name: string, data: TData, opts: AddJobOptions) {
      const job = await queueOf(queue).add(name, data, {
        jobId: opts.jobId,
        attempts: opts.attempts ?? 1,
        backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      });
      return toInfo(job, await job.getState());
    },

    async getJob(queue, jobId) {
      const q = queueOf(queue);
      // Reading the state first: a job read as 'completed' then has its return value in the hash.
      const state = await q.getJobState(jobId);
      const job = await q.getJob(jobId);
      return job ? toInfo(job, state) : undefined;
    },

    async remove(queue, jobId) {
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
    },

    startWorker<TData, TResult>(queue: string, processor: Processor<TData, TResult>, opts: WorkerOptions = {}): WorkerHandle {
      const controller = new AbortController();
      // A connection we hand to BullMQ is ours to close after the worker stops.
      const workerConnection = connection.duplicate();
      workerConnection.on('error', () => undefined);
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
      worker.on('error', () => undefined);
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

    async ping() {
      try {
        return (await connection.ping()) === 'PONG';
      } catch {
        return false;
      }
    },

    async close() {
      await Promise.all([...workers].map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}
