import { jobKindSchema, jobSchema, jobStatusSchema } from '@strongbox/contract';
import { listJobs } from '@strongbox/db';
import { QUEUE_NAME } from '@strongbox/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobListSchema } from '../../schemas/components.js';
import { LINK_TO_DASHBOARD } from '../../schemas/headers.js';
import { jobIdParamsSchema, limitSchema } from '../../schemas/job.js';
import { json, QUERY_ERRORS, responses, WRITE_ERRORS } from '../../schemas/problem.js';
import { cancelJob } from './cancel-job.js';
import contents from './contents.js';
import createBackup from './create.js';
import { findJob } from './find-job.js';
import originalClients from './original-clients.js';
import snapshotJobs from './snapshot-jobs.js';

/** Jobs of every kind live under /backups: read, list, cancel; and the routes that start them. */
const backups: FastifyPluginAsyncZod = async (app) => {
  await app.register(createBackup);
  await app.register(originalClients);
  await app.register(snapshotJobs);
  await app.register(contents);

  app.get(
    '/backups/:id',
    {
      schema: {
        operationId: 'getJob',
        summary: 'Read one job, of any kind',
        tags: ['backups'],
        params: jobIdParamsSchema,
        response: responses(
          { 200: json('the job, as MySQL has it', jobSchema, { headers: { Link: LINK_TO_DASHBOARD } }) },
          ['NOT_FOUND'],
        ),
      },
    },
    async (request, reply) => {
      const job = await findJob(app, request.params.id);
      // The same job in the dashboard, whose job ids are Strongbox's.
      reply.header(
        'Link',
        `</admin/queues/queue/${QUEUE_NAME}/${job.id}>; rel="related"; title="Bull Board"`,
      );
      return job;
    },
  );

  app.get(
    '/backups',
    {
      schema: {
        operationId: 'listJobs',
        summary: 'List jobs, newest first',
        tags: ['backups'],
        querystring: z.object({
          kind: jobKindSchema.optional(),
          status: jobStatusSchema.optional(),
          folder: z.string().max(1000).optional(),
          limit: limitSchema,
          cursor: z.string().max(200).optional(),
        }),
        response: responses({ 200: json('a page of jobs, newest first', jobListSchema) }, [
          'INVALID_CURSOR',
          ...QUERY_ERRORS,
        ]),
      },
    },
    async (request) => listJobs(app.db, request.query),
  );

  app.delete(
    '/backups/:id',
    {
      schema: {
        operationId: 'cancelJob',
        summary: 'Cancel a job that has not started',
        tags: ['backups'],
        params: jobIdParamsSchema,
        response: responses({ 200: json('the job, cancelled', jobSchema) }, [
          'NOT_FOUND',
          'JOB_NOT_CANCELLABLE',
          ...WRITE_ERRORS,
        ]),
      },
    },
    async (request) => cancelJob(app, await findJob(app, request.params.id)),
  );
};

export default backups;
