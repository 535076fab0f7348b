import { folderSchema, pathSchema, targetSchema } from '@strongbox/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import {
  idempotencyHeadersSchema,
  jobIdParamsSchema,
  startedJobResponses,
  waitQuerySchema,
} from '../../schemas/job.js';
import { BODY_ERRORS } from '../../schemas/problem.js';
import { findLatestSnapshot, findSnapshot } from './find-snapshot.js';
import { submitJob } from './submit-job.js';

const restoreBodySchema = z
  .object({ target: targetSchema, path: pathSchema.optional() })
  .meta({ examples: [{ target: 'restored/photos', path: 'sub/dir' }] });

/** `?folder=F` of the `latest` routes, besides `?wait`. */
const latestQuerySchema = waitQuerySchema.extend({
  folder: folderSchema
    .describe('the folder whose newest snapshot to use, URL-encoded (photos%2F2024)')
    .meta({ examples: ['photos/2024'] }),
});

/**
 * Jobs that work on the snapshot of a finished backup: verify it, restore it. The backup is named
 * by its id, or as `latest` with `?folder=F`: the newest snapshot of F when the request comes,
 * whose backup id the job records in its params as if the client had named it. Whether a
 * restore's target already exists is for the worker to find out when the job runs
 * (TARGET_EXISTS): it looks without following links, and the answer may change before then anyway.
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
    '/backups/latest/verify',
    {
      schema: {
        operationId: 'verifyLatestBackup',
        summary: 'Verify the newest snapshot of a folder against its manifest',
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        querystring: latestQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', 'SNAPSHOT_UNAVAILABLE']),
      },
      preValidation: async (request) => requireFolder(request.query, 'verifies'),
    },
    async (request, reply) => {
      const { folder, wait } = request.query;
      const latest = await findLatestSnapshot(app, folder, 'SNAPSHOT_UNAVAILABLE');
      return submitJob(
        app,
        request,
        reply,
        { kind: 'verify', folder, params: { backupId: latest.backupId } },
        wait,
        { folder },
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
        body: restoreBodySchema,
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
      const backup = await findSnapshot(app, request.params.id);
      return submitJob(
        app,
        request,
        reply,
        { kind: 'restore', folder: backup.folder, params: restoreParams(backup.id, request.body) },
        request.query.wait,
      );
    },
  );

  app.post(
    '/backups/latest/restore',
    {
      schema: {
        operationId: 'restoreLatestBackup',
        summary: 'Restore the newest snapshot of a folder, or one path in it, into a new folder',
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        querystring: latestQuerySchema,
        body: restoreBodySchema,
        response: startedJobResponses([
          'INVALID_FOLDER',
          'SNAPSHOT_UNAVAILABLE',
          'INVALID_TARGET',
          'INVALID_PATH',
          ...BODY_ERRORS,
        ]),
      },
      preValidation: async (request) => requireFolder(request.query, 'restores'),
    },
    async (request, reply) => {
      const { folder, wait } = request.query;
      const latest = await findLatestSnapshot(app, folder, 'SNAPSHOT_UNAVAILABLE');
      return submitJob(
        app,
        request,
        reply,
        { kind: 'restore', folder, params: restoreParams(latest.backupId, request.body) },
        wait,
        { folder, ...request.body },
      );
    },
  );
};

function restoreParams(backupId: string, body: z.infer<typeof restoreBodySchema>) {
  const { target, path } = body;
  return path === undefined ? { backupId, target } : { backupId, target, path };
}

// `latest` names no snapshot without a folder: say which parameter is missing rather than that a
// field of the query has the wrong type.
function requireFolder(query: unknown, does: string): void {
  if (typeof query === 'object' && query !== null && Object.hasOwn(query, 'folder')) return;
  throw new ApiError(
    'INVALID_QUERY',
    `latest needs the folder whose newest snapshot it ${does}: add ?folder=, URL-encoded (?folder=photos%2F2024)`,
  );
}

export default snapshotJobs;
