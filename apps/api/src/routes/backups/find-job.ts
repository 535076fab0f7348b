import { type Job, quote } from '@strongbox/contract';
import { getJob } from '@strongbox/db';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { isUuid } from '../../lib/uuid.js';

/** The job with this id; an id that is not even a UUID is as unknown as any other (404). */
export async function findJob(app: FastifyInstance, id: string): Promise<Job> {
  const job = isUuid(id) ? await getJob(app.db, id.toLowerCase()) : null;
  if (!job) throw new ApiError('NOT_FOUND', `There is no job with id ${quote(id, 40)}`);
  return job;
}
