import { setTimeout as sleep } from 'node:timers/promises';
import { type AddJobOptions, type FlowJob, type JobInfo, type JobQueues, type JobContext, type JobSchedulerInfo, type Processor, type WorkerHandle, type WorkerOptions, PermanentJobError } from './queue.ts';

interface InProcessJob {
  info: JobInfo;
  data: unknown;
  attempts: number;
  backoffMs: number;
}

/**
 * Jobs run in this process through the same processors, one queue at a time per worker,
 * with the same retry semantics as BullMQ (attempts, exponential backoff, permanent errors).
 * Nothing survives a restart; the run rows in Postgres are the source of truth.
 */
export function createInProcessQueues(): JobQueues {
  const queues = new Map<string, { jobs: Map<string, InProcessJob>; pending: string[]; waiters: Array<() => void>; workers: number }>();
  const workers = new Set<WorkerHandle>();
  const schedulers = new Map<string, { timer: NodeJS.Timeout; info: JobSchedulerInfo }>();
  // Flows waiting on children: each parent with the `queue\u0000jobId` keys of its unfinished children.
  const flows: Array<{ parent: FlowJob; waiting: Set<string> }> = [];

  /** A job finished for good (completed, failed after its last attempt, or removed): parents it held up may run. */
  function finished(queue: string, jobId: string): void {
    const key = `${queue}\u0000${jobId}`;
    for (const flow of [...flows]) {
      if (!flow.waiting.delete(key) || flow.waiting.size) continue;
      flows.splice(flows.indexOf(flow), 1);
      void self.add(flow.parent.queue, flow.parent.name, flow.parent.data, flow.parent.options);
    }
  }

  function queueOf(name: string) {
    let q = queues.get(name);
    if (!q) {
      q = { jobs: new Map(), pending: [], waiters: [], workers: 0 };
      queues.set(name, q);
    }
    return q;
  }

  const self: JobQueues = {
    kind: 'in-process',
    target: 'in-process',

    async upsertScheduler(queue, spec) {
      const key = `${queue}\u0000${spec.id}`;
      clearInterval(schedulers.get(key)?.timer);
      const info: JobSchedulerInfo = { id: spec.id, everyMs: spec.everyMs, next: null };
      // One job id per scheduler, replaced once finished: a slow job is never queued twice over.
      const fire = () => {
        info.next = new Date(Date.now() + spec.everyMs).toISOString();
        void self.add(queue, spec.name, spec.data, { jobId: `scheduler:${spec.id}`, replaceFinished: true });
      };
      const timer = setInterval(fire, spec.everyMs);
      timer.unref();
      schedulers.set(key, { timer, info });
      fire();
    },

    async listSchedulers(queue) {
      return [...schedulers.entries()].filter(([k]) => k.startsWith(`${queue}\u0000`)).map(([, v]) => ({ ...v.info }));
    },

    async removeScheduler(queue, id) {
      const key = `${queue}\u0000${id}`;
      const found = schedulers.get(key);
      if (!found) return false;
      clearInterval(found.timer);
      schedulers.delete(key);
      return true;
    },

    async add(queue, name, data, options: AddJobOptions) {
      const q = queueOf(queue);
      const existing = q.jobs.get(options.jobId);
      const finished = existing && (existing.info.state === 'completed' || existing.info.state === 'failed');
      if (existing && !(finished && options.replaceFinished)) return { ...existing.info };
      const job: InProcessJob = {
        info: { id: options.jobId, name, state: 'waiting', progress: 0, attemptsMade: 0 },
        data,
        attempts: options.attempts ?? 1,
        backoffMs: options.backoffMs ?? 1000,
      };
      q.jobs.set(options.jobId, job);
      q.pending.push(options.jobId);
      q.waiters.shift()?.();
      return { ...job.info };
    },

    async addFlow(parent, children) {
      const waiting = new Set<string>();
      for (const child of children) {
        const info = await self.add(child.queue, child.name, child.data, child.options);
        if (info.state !== 'completed' && info.state !== 'failed') waiting.add(`${child.queue}\u0000${info.id}`);
      }
      if (waiting.size === 0) return self.add(parent.queue, parent.name, parent.data, parent.options);
      flows.push({ parent: parent as FlowJob, waiting });
      return { id: parent.options.jobId, name: parent.name, state: 'waiting', progress: 0, attemptsMade: 0 };
    },

    async getJob(queue, jobId) {
      const job = queues.get(queue)?.jobs.get(jobId);
      return job ? { ...job.info } : undefined;
    },

    async jobCounts(queue) {
      const counts = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
      for (const job of queues.get(queue)?.jobs.values() ?? []) if (job.info.state in counts) counts[job.info.state as keyof typeof counts] += 1;
      return counts;
    },

    async workerCount(queue) {
      return queues.get(queue)?.workers ?? 0;
    },

    async remove(queue, jobId) {
      const q = queues.get(queue);
      const job = q?.jobs.get(jobId);
      if (!q || !job || job.info.state !== 'waiting') return false;
      q.pending = q.pending.filter((id) => id !== jobId);
      q.jobs.delete(jobId);
      finished(queue, jobId);
      return true;
    },

    startWorker<TData, TResult>(queue: string, processor: Processor<TData, TResult>, options: WorkerOptions = {}): WorkerHandle {
      const q = queueOf(queue);
      const controller = new AbortController();
      let closing = false;
      const loops: Promise<void>[] = [];

      async function runOne(job: InProcessJob): Promise<void> {
        while (true) {
          job.info.state = 'active';
          const context: JobContext<TData> = {
            id: job.info.id,
            name: job.info.name,
            data: job.data as TData,
            attemptsMade: job.info.attemptsMade,
            signal: controller.signal,
            updateProgress: async (progress) => {
              job.info.progress = progress;
            },
          };
          try {
            job.info.returnValue = await processor(context);
            job.info.state = 'completed';
            finished(queue, job.info.id);
            return;
          } catch (error) {
            job.info.attemptsMade += 1;
            job.info.failedReason = (error as Error).message;
            const permanent = error instanceof PermanentJobError || (error as Error).name === 'UnrecoverableError';
            if (permanent || job.info.attemptsMade >= job.attempts || closing) {
              job.info.state = 'failed';
              finished(queue, job.info.id);
              return;
            }
            job.info.state = 'delayed';
            await sleep(job.backoffMs * 2 ** (job.info.attemptsMade - 1));
          }
        }
      }

      async function loop(): Promise<void> {
        while (!closing) {
          const id = q.pending.shift();
          if (id === undefined) {
            await new Promise<void>((resolve) => q.waiters.push(resolve));
            continue;
          }
          const job = q.jobs.get(id);
          if (job) await runOne(job);
        }
      }

      for (let i = 0; i < (options.concurrency ?? 1); i++) loops.push(loop());
      q.workers += 1;
      const handle: WorkerHandle = {
        async close() {
          if (closing) return;
          closing = true;
          q.workers -= 1;
          for (const wake of q.waiters.splice(0)) wake();
          await Promise.all(loops);
          workers.delete(handle);
        },
      };
      workers.add(handle);
      return handle;
    },

    async problem() {
      return undefined;
    },

    async close() {
      for (const { timer } of schedulers.values()) clearInterval(timer);
      schedulers.clear();
      await Promise.all([...workers].map((w) => w.close()));
    },
  };
  return self;
}
