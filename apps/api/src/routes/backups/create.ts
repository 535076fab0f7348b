import { folderSchema } from '@strongbox/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { idempotencyHeadersSchema, startedJobResponses, waitQuerySchema } from '../../schemas/job.js';
import { BODY_ERRORS } from '../../schemas/problem.js';
import { submitJob } from './submit-job.js';

/** POST /backups: start a backup of a folder. The original design's forms are in original-clients.ts. */
const createBackup: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/backups',
    {
      schema: {
        operationId: 'createBackup',
        summary: 'Back up a folder',
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        body: z.object({ folder: folderSchema }).meta({ examples: [{ folder: 'photos/2024' }] }),
        querystring: waitQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', ...BODY_ERRORS]),
      },
      preValidation: async (request) => refuseOtherNames(request.body),
    },
    async (request, reply) =>
      submitJob(app, request, reply, { kind: 'backup', folder: request.body.folder }, request.query.wait),
  );
};

// The original design's clients name the folder `path` (POST /) or `path_to_folder` (POST /backup):
// sent here without `folder`, they are told which name this route takes, rather than that a field
// is missing.
function refuseOtherNames(body: unknown): void {
  if (typeof body !== 'object' || body === null || Object.hasOwn(body, 'folder')) return;
  const other = ['path', 'path_to_folder'].find((name) => Object.hasOwn(body, name));
  if (other === undefined) return;
  throw new ApiError(
    'VALIDATION',
    `POST /backups takes the folder as "folder", not "${other}": send {"folder": "photos/2024"}` +
      (other === 'path'
        ? ' (POST / takes {"path": …}, as the original design did)'
        : ' (POST /backup takes the form body path_to_folder=…, as the original design did)'),
  );
}

export default createBackup;
