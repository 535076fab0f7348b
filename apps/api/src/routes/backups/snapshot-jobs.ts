import { pathSchema, targetSchema } from '@strongbox/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  idempotencyHeadersSchema,
  jobIdParamsSchema,
  startedJobResponses,
  waitQuerySchema,
} from '../../schemas/job.js';
import { BODY_ERRORS } from '../../schemas/problem.js';
import { findSnapshot } from './find-snapshot.js';
import { submitJob } from './submit-job.js';

/**
 * Jobs that work on the snapshot of a finished backup: verify it, restore it. Whether a restore's
 * target already exists is for the worker to find out when the job runs (TARGET_EXISTS): it looks
 * without following links, and the answer may change before then anyway.
 */
const snapshotJobs: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/backups/:id/verify',
    {
      schema: {
        operationId: 'verifyBackup',
        summary: 'Verify the snapshot of a backup against its manifest',
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        params: jobIdParamsSchema,
        querystring: waitQuerySchema,
        response: startedJobResponses(['NOT_FOUND', 'SNAPSHOT_UNAVAILABLE']),
      },
    },
    async (request, reply) => {
      const backup = await findSnapshot(app, request.params.id);
      return submitJob(
        app,
        request,
        reply,
        { kind: 'verify', folder: backup.folder, params: { backupId: backup.id } },
        request.query.wait,
      );
    },
  );

  app.post(
    '/backups/:id/restore',
    {
      schema: {
        operationId: 'restoreBackup',
        summary: 'Restore the snapshot of a backup, or one path in it, into a new folder',
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        params: jobIdParamsSchema,
        querystring: waitQuerySchema,
        body: z
          .object({ target: targetSchema, path: pathSchema.optional() })
          .meta({ examples: [{ target: 'restored/photos', path: 'sub/dir' }] }),
        response: startedJobResponses([
          'NOT_FOUND',
          'SNAPSHOT_UNAVAILABLE',
          'INVALID_TARGET',
          'INVALID_PATH',
          ...BODY_ERRORS,
        ]),
      },
    },
    async (request, reply) => {
      const { target, path } = request.body;
      const backup = await findSnapshot(app, request.params.id);
      const params =
        path === undefined ? { backupId: backup.id, target } : { backupId: backup.id, target, path };
      return submitJob(
        app,
        request,
        reply,
        { kind: 'restore', folder: backup.folder, params },
        request.query.wait,
      );
    },
  );
};

export default snapshotJobs;
