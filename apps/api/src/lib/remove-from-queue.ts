import type { FastifyInstance } from 'fastify';
import { withTimeout } from './with-timeout.js';

const QUEUE_TIMEOUT_MS = 2_000;

/**
 * Removes the queue's entry of a job MySQL has already ended. It is only tidiness: a worker that
 * still receives the job finds it ended in MySQL and skips it, and a job a worker has locked cannot
 * be removed anyway. So a failure is logged, not thrown.
 */
export async function removeFromQueue(app: FastifyInstance, id: string, reason: string): Promise<void> {
  try {
    const queued = await withTimeout(app.queue.getJob(id), QUEUE_TIMEOUT_MS, 'Redis');
    if (queued) await withTimeout(queued.remove(), QUEUE_TIMEOUT_MS, 'Redis');
  } catch (error) {
    app.log.warn({ err: error, jobId: id }, `could not remove the ${reason} job from the queue`);
  }
}
