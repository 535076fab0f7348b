import type { Job } from '@strongbox/contract';
import { finishJob, getJob } from '@strongbox/db';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { removeFromQueue } from '../../lib/remove-from-queue.js';

/**
 * Cancels a job that has not started: ended as `cancelled` in MySQL with its log row, then
 * removed from the queue. `DELETE /backups/{id}` and the dashboard's "remove" of a waiting job both
 * come here.
 *
 * @throws ApiError JOB_NOT_CANCELLABLE when the job has started or ended.
 */
export async function cancelJob(app: FastifyInstance, job: Job): Promise<Job> {
  const cancelled = await finishJob(app.db, job.id, {
    status: 'cancelled',
    error: { code: 'CANCELLED', message: 'Cancelled at the request of a client before it started' },
  });
  if (!cancelled) {
    const now = (await getJob(app.db, job.id)) ?? job;
    throw new ApiError(
      'JOB_NOT_CANCELLABLE',
      `Job ${job.id} is ${now.status}: only a queued job can be cancelled`,
    );
  }
  await removeFromQueue(app, job.id, 'cancelled');
  return cancelled;
}
