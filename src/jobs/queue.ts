/**
 * The job system's seam: BullMQ on Redis when REDIS_URL is set, an in-process runner
 * otherwise. Both call the same processor functions with the same `JobContext`, so a
 * processor cannot tell them apart.
 */
export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'unknown';

/** The states a queue's depth is reported in (`sharpline_queue_jobs{queue,state}`). */
export const QUEUE_DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];

export interface JobContext<TData> {
  id: string;
  name: string;
  data: TData;
  /** 0 on the first attempt. */
  attemptsMade: number;
  updateProgress(progress: number | object): Promise<void>;
  /** Aborted when the worker is closing; processors stop at the next safe point. */
  signal: AbortSignal;
}

export type Processor<TData, TResult> = (job: JobContext<TData>) => Promise<TResult>;

export interface AddJobOptions {
  /** Derived from the job's input: adding the same id twice yields the one job. */
  jobId: string;
  attempts?: number;
  backoffMs?: number;
  /**
   * A completed or failed job of this id is removed and the job added afresh (the reconciler's
   * way to re-run a run whose job finished without settling it). Waiting and active jobs stay.
   */
  replaceFinished?: boolean;
}

/** One job of a flow: its queue, name, payload and options (as `add` takes them). */
export interface FlowJob<TData = unknown> {
  queue: string;
  name: string;
  data: TData;
  options: AddJobOptions;
}

export interface JobInfo {
  id: string;
  name: string;
  state: JobState;
  progress: number | object;
  attemptsMade: number;
  failedReason?: string;
  returnValue?: unknown;
}

/** A job scheduler: adds a job named `name` with `data` to its queue every `everyMs`. */
export interface JobSchedulerSpec<TData> {
  id: string;
  everyMs: number;
  name: string;
  data: TData;
}

export interface JobSchedulerInfo {
  id: string;
  everyMs: number;
  /** When its next job is due (ISO), null when not known. */
  next: string | null;
}

export interface WorkerOptions {
  concurrency?: number;
  /** BullMQ lock duration; a job whose lock is not renewed in time is declared stalled. */
  lockDurationMs?: number;
  /** Called when BullMQ declares one of this worker's jobs stalled (never in-process). */
  onStalled?: (jobId: string) => void;
}

export interface WorkerHandle {
  /** Waits for in-flight jobs to finish, then stops taking new ones. */
  close(): Promise<void>;
}

/**
 * Every method that talks to Redis answers within a bound: when Redis is away it throws
 * AppError QUEUE_UNAVAILABLE (naming Redis and REDIS_URL) instead of waiting for it.
 */
export interface JobQueues {
  readonly kind: 'bullmq' | 'in-process';
  /** Where the jobs live, for messages: `Redis at redis://host:6379 (REDIS_URL), prefix p`, or `in-process`. */
  readonly target: string;
  /**
   * BullMQ only: the BullMQ `Queue` object of `queue` (the one this instance adds to, created on
   * first use), for the queue dashboard (/ui/queues). Typed `unknown` so this file needs no bullmq.
   */
  bullmqQueue?(queue: string): unknown;
  add<TData>(queue: string, name: string, data: TData, options: AddJobOptions): Promise<JobInfo>;
  getJob(queue: string, jobId: string): Promise<JobInfo | undefined>;
  /** Jobs of `queue` by state right now (waiting counts prioritized ones too). */
  jobCounts(queue: string): Promise<Record<QueueDepthState, number>>;
  /** Workers consuming `queue` right now (in any process, for BullMQ). */
  workerCount(queue: string): Promise<number>;
  /** Starts consuming `queue` with `processor`. */
  startWorker<TData, TResult>(queue: string, processor: Processor<TData, TResult>, options?: WorkerOptions): WorkerHandle;
  /**
   * Installs or updates a job scheduler (BullMQ's `upsertJobScheduler`; in-process a timer): at
   * most one of its jobs is waiting at a time, so a slow job never piles up copies.
   */
  upsertScheduler<TData>(queue: string, spec: JobSchedulerSpec<TData>): Promise<void>;
  /**
   * A flow (BullMQ's FlowProducer; in-process the same semantics): the children are added now and
   * the parent runs once every child has finished, completed or failed after its last attempt (a
   * failed child does not fail the parent, whose processor reads the outcomes where they are
   * recorded). Children must be new jobs: an id the queue already holds is not made a child again.
   */
  addFlow<TData>(parent: FlowJob<TData>, children: readonly FlowJob[]): Promise<JobInfo>;
  /** The queue's job schedulers. */
  listSchedulers(queue: string): Promise<JobSchedulerInfo[]>;
  /** Removes a job scheduler; false when there was none. */
  removeScheduler(queue: string, id: string): Promise<boolean>;
  /** Removes a waiting job (cancellation before it starts); false when it is not waiting. */
  remove(queue: string, jobId: string): Promise<boolean>;
  /** Undefined when the backing service answers within `timeoutMs` (default 1000), else why not. */
  problem(timeoutMs?: number): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Thrown by a processor for input that will never succeed: no retry. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}
