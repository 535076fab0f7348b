import { finishJob, getJob, JOB_KINDS, JOB_STATUSES, listJobs } from '@strongbox/db';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { withTimeout } from '../../lib/with-timeout.js';
import { jobIdParamsSchema, jobListSchema, jobSchema, limitSchema } from '../../schemas/job.js';
import createBackup from './create.js';
import { findJob } from './find-job.js';
import snapshotJobs from './snapshot-jobs.js';

const QUEUE_TIMEOUT_MS = 2_000;

/** Jobs of every kind live under /backups: read, list, cancel; and the routes that start them. */
const backups: FastifyPluginAsyncZod = async (app) => {
  await app.register(createBackup);
  await app.register(snapshotJobs);

  app.get(
    '/backups/:id',
    { schema: { params: jobIdParamsSchema, response: { 200: jobSchema } } },
    async (request) => findJob(app, request.params.id),
  );

  app.get(
    '/backups',
    {
      schema: {
        querystring: z.object({
          kind: z.enum(JOB_KINDS).optional(),
          status: z.enum(JOB_STATUSES).optional(),
          folder: z.string().max(1000).optional(),
          limit: limitSchema,
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: jobListSchema },
      },
    },
    async (request) => listJobs(app.db, request.query),
  );

  app.delete(
    '/backups/:id',
    { schema: { params: jobIdParamsSchema, response: { 200: jobSchema } } },
    async (request) => {
      const job = await findJob(app, request.params.id);
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
      await removeFromQueue(app, job.id);
      return cancelled;
    },
  );
};

// MySQL already says cancelled, so a worker that still receives the job skips it; removing it from
// the queue is only tidiness, and a job a worker has locked cannot be removed anyway.
async function removeFromQueue(app: FastifyInstance, id: string): Promise<void> {
  try {
    const queued = await withTimeout(app.queue.getJob(id), QUEUE_TIMEOUT_MS, 'Redis');
    if (queued) await withTimeout(queued.remove(), QUEUE_TIMEOUT_MS, 'Redis');
  } catch (error) {
    app.log.warn({ err: error, jobId: id }, 'could not remove the cancelled job from the queue');
  }
}

export default backups;
