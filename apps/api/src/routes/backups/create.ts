import { validateFolder } from '@strongbox/engine';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { jobSchema, waitQuerySchema } from '../../schemas/job.js';
import { submitJob } from './submit-job.js';

const response = { 200: jobSchema, 202: jobSchema };

/** POST /backups and the original design's POST /backup/{folder}: start a backup of a folder. */
const createBackup: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/backups',
    {
      schema: {
        body: z.object({ folder: z.string().describe('relative to SOURCE_ROOT, e.g. photos/2024') }),
        querystring: waitQuerySchema,
        response,
      },
    },
    async (request, reply) => {
      const folder = checkedFolder(request.body.folder);
      return submitJob(app, request, reply, { kind: 'backup', folder }, request.query.wait);
    },
  );

  // A wildcard, so that both photos%2F2024 and photos/2024 name the folder photos/2024.
  app.post(
    '/backup/*',
    {
      schema: {
        params: z.object({ '*': z.string().describe('the folder, URL-encoded') }),
        querystring: waitQuerySchema,
        response,
      },
    },
    async (request, reply) => {
      const folder = checkedFolder(request.params['*']);
      return submitJob(app, request, reply, { kind: 'backup', folder }, request.query.wait);
    },
  );
};

function checkedFolder(folder: string): string {
  const problem = validateFolder(folder);
  if (problem)
    throw new ApiError('INVALID_FOLDER', `${problem}: got ${JSON.stringify(folder.slice(0, 200))}`);
  return folder;
}

export default createBackup;
