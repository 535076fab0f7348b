import { folderSchema } from '@strongbox/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idempotencyHeadersSchema, startedJobResponses, waitQuerySchema } from '../../schemas/job.js';
import { BODY_ERRORS } from '../../schemas/problem.js';
import { submitJob } from './submit-job.js';

/** POST /backups and the original design's POST /backup/{folder}: start a backup of a folder. */
const createBackup: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/backups',
    {
      schema: {
        summary: 'Back up a folder',
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        body: z.object({ folder: folderSchema }).meta({ examples: [{ folder: 'photos/2024' }] }),
        querystring: waitQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', ...BODY_ERRORS]),
      },
    },
    async (request, reply) =>
      submitJob(app, request, reply, { kind: 'backup', folder: request.body.folder }, request.query.wait),
  );

  // A wildcard, so that both photos%2F2024 and photos/2024 name the folder photos/2024.
  app.post(
    '/backup/*',
    {
      schema: {
        summary: "Back up a folder (the original design's form)",
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        params: z.object({
          '*': folderSchema
            .describe('the folder, URL-encoded (photos%2F2024) or as a path (photos/2024)')
            .meta({ examples: ['photos%2F2024'] }),
        }),
        querystring: waitQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', 'INVALID_URL']),
      },
    },
    async (request, reply) =>
      submitJob(app, request, reply, { kind: 'backup', folder: request.params['*'] }, request.query.wait),
  );
};

export default createBackup;
