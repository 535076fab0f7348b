import type { Job } from '@strongbox/contract';
import { type Db, type InsertedJob, insertJobs, type JobRequest } from '@strongbox/db';
import { enqueueAll, type StrongboxQueue } from '@strongbox/queue';
import { withTimeout } from './with-timeout.js';

/** How long a batch waits for Redis to take its jobs before it answers without it. */
const ENQUEUE_TIMEOUT_MS = 2_000;

/** Requests recorded in one transaction at most. */
export const MAX_BATCH = 100;

/** What {@link JobBatches.record} answers: the job, and why it could not be queued, if it could not. */
export interface RecordedJob extends InsertedJob {
  /** The error of the batch's `Queue.addBulk` (the reconciler queues the job later); absent when queued. */
  enqueueError?: unknown;
}

export interface JobBatches {
  /**
   * Records the job in MySQL with the requests that came beside it (one transaction) and queues
   * the new ones (one `Queue.addBulk`); settles once the job is committed and queued.
   */
  record(request: JobRequest): Promise<RecordedJob>;
  /** How many requests wait for the batch being recorded to commit, to be the next batch. */
  waiting(): number;
}

export interface JobBatchesOptions {
  db: Db;
  queue: StrongboxQueue;
  /** @defaultValue {@link MAX_BATCH} */
  maxBatch?: number;
  /**
   * Called with a batch's new jobs once they are committed, before they are queued (a test's
   * pause point: a process killed there has committed jobs that are not queued).
   */
  afterCommit?: (jobs: Job[]) => Promise<void>;
}

interface Waiting {
  request: JobRequest;
  resolve: (recorded: RecordedJob) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the routes that start jobs. A request that comes while no batch is being
 * recorded starts one at once, alone; those that come while one is being recorded wait for its
 * commit, and are then recorded together (up to `maxBatch`), with no timer: under load, batches
 * grow by themselves, and a lone request never waits for others. A batch's jobs are queued (one
 * `Queue.addBulk`) beside the next batch's transaction, and each request is answered once its job
 * is committed and queued. A job committed but not queued (Redis down, or the process killed in
 * between) is queued by the worker's reconciler, which adds every queued job the queue lacks.
 */
export function jobBatches(options: JobBatchesOptions): JobBatches {
  const { db, queue, maxBatch = MAX_BATCH, afterCommit } = options;
  const waiting: Waiting[] = [];
  let recording = false;

  async function recordWaiting(): Promise<void> {
    recording = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      let outcomes: PromiseSettledResult<InsertedJob>[];
      try {
        outcomes = await insertJobs(
          db,
          batch.map((item) => item.request),
        );
      } catch (error) {
        for (const item of batch) item.reject(error);
        continue;
      }
      void queueAndAnswer(batch, outcomes);
    }
    recording = false;
  }

  async function queueAndAnswer(
    batch: Waiting[],
    outcomes: PromiseSettledResult<InsertedJob>[],
  ): Promise<void> {
    const created = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' && outcome.value.created ? [outcome.value.job] : [],
    );
    let enqueueError: unknown;
    if (created.length > 0) {
      try {
        await afterCommit?.(created);
        await withTimeout(enqueueAll(queue, created), ENQUEUE_TIMEOUT_MS, 'Redis');
      } catch (error) {
        enqueueError = error;
      }
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i] as PromiseSettledResult<InsertedJob>;
      if (outcome.status === 'rejected') item.reject(outcome.reason);
      else if (outcome.value.created && enqueueError !== undefined)
        item.resolve({ ...outcome.value, enqueueError });
      else item.resolve(outcome.value);
    });
  }

  return {
    record(request) {
      return new Promise((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        if (!recording) void recordWaiting();
      });
    },
    waiting: () => waiting.length,
  };
}
