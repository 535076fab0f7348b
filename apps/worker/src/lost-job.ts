import type { Job } from '@strongbox/contract';
import { type Db, finishJob } from '@strongbox/db';

/** What a client reads of a job whose workers all died before it ended. */
export const WORKER_LOST_MESSAGE =
  'The workers running this job stopped before it ended, more often than the queue allows';

/**
 * Records that the queue gave up on a job because the workers running it kept dying: failed with
 * WORKER_LOST and its log row. Whoever notices first (the worker the queue hands the doomed job to,
 * or the reconciler) records it; the others find it ended.
 *
 * @returns the ended job, or null when it had already ended.
 */
export async function recordLostJob(db: Db, id: string): Promise<Job | null> {
  return finishJob(db, id, {
    status: 'failed',
    error: { code: 'WORKER_LOST', message: WORKER_LOST_MESSAGE },
  });
}

/** Whether BullMQ failed a job on its own because it stalled (its worker died) too often. */
export function isStalledTooOften(error: Error): boolean {
  return error.message.includes('stalled more than allowable limit');
}
