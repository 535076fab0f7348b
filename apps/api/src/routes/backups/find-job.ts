import { getJob, type Job } from '@strongbox/db';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The job with this id; an id that is not even a UUID is as unknown as any other (404). */
export async function findJob(app: FastifyInstance, id: string): Promise<Job> {
  const job = UUID.test(id) ? await getJob(app.db, id.toLowerCase()) : null;
  if (!job) throw new ApiError('NOT_FOUND', `There is no job with id ${JSON.stringify(id.slice(0, 100))}`);
  return job;
}
