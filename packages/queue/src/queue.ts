import type { JobKind } from '@strongbox/contract';
import { type DefaultJobOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** The one queue every kind of job travels on; the BullMQ job name is the job's kind. */
export const QUEUE_NAME = 'jobs';

/**
 * What travels through Redis: the id, and the folder for people reading the dashboard (Bull Board).
 * Everything about a job lives in MySQL, which is the source of truth: the worker reads only the id
 * and ignores the folder. Checked when enqueued and again in the processor; jobs queued before the
 * folder was added have none.
 */
export const jobDataSchema = z
  .object({
    id: z.uuid(),
    folder: z.string().optional().describe('display only: the worker reads the job from MySQL'),
  })
  .strict();
export type JobData = z.infer<typeof jobDataSchema>;

export type StrongboxQueue = Queue<JobData, unknown, string>;

/**
 * Transient failures are retried with exponential backoff (1 s, 2 s, 4 s, 8 s); failures that
 * another try cannot mend are marked unrecoverable by the worker and not retried. Finished jobs
 * are kept a while in Redis for the dashboard; MySQL keeps them for good.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export interface QueueSettings {
  connection: Redis;
  /** BullMQ key prefix (QUEUE_PREFIX). */
  prefix: string;
}

export function createQueue(settings: QueueSettings): StrongboxQueue {
  return new Queue<JobData, unknown, string>(QUEUE_NAME, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });
}

/**
 * Hands a recorded job to the workers. The BullMQ job id is the job's id, so adding a job that
 * the queue still holds is a no-op: the reconciler relies on that.
 */
export async function enqueue(
  queue: StrongboxQueue,
  job: { id: string; kind: JobKind; folder: string },
): Promise<void> {
  await enqueueAll(queue, [job]);
}

/**
 * Hands recorded jobs to the workers in one round trip to Redis (`Queue.addBulk`), each as
 * {@link enqueue} would: a job the queue still holds is left as it is.
 */
export async function enqueueAll(
  queue: StrongboxQueue,
  jobs: readonly { id: string; kind: JobKind; folder: string }[],
): Promise<void> {
  await queue.addBulk(
    jobs.map((job) => ({
      name: job.kind,
      data: jobDataSchema.parse({ id: job.id, folder: job.folder }),
      opts: { jobId: job.id },
    })),
  );
}
