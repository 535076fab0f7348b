import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from '@strongbox/db';
import { validateFolder } from '@strongbox/engine';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { jobIdParamsSchema, jobSchema, waitQuerySchema } from '../../schemas/job.js';
import { findJob } from './find-job.js';
import { submitJob } from './submit-job.js';

const response = { 200: jobSchema, 202: jobSchema };

/** Jobs that work on the snapshot of a finished backup: verify it, restore it. */
const snapshotJobs: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/backups/:id/verify',
    { schema: { params: jobIdParamsSchema, querystring: waitQuerySchema, response } },
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
        params: jobIdParamsSchema,
        querystring: waitQuerySchema,
        body: z.object({
          target: z.string().describe('where to restore, relative to SOURCE_ROOT; must not exist yet'),
          path: z
            .string()
            .optional()
            .describe('one path inside the snapshot; the whole snapshot when absent'),
        }),
        response,
      },
    },
    async (request, reply) => {
      const { target, path: inside } = request.body;
      const targetProblem = validateFolder(target);
      if (targetProblem) throw new ApiError('INVALID_TARGET', `target: ${targetProblem}`);
      const pathProblem = inside === undefined ? null : validateFolder(inside);
      if (pathProblem) throw new ApiError('INVALID_PATH', `path: ${pathProblem}`);
      const backup = await findSnapshot(app, request.params.id);
      await refuseExisting(app.config.sourceRoot, target);
      const params =
        inside === undefined
          ? { backupId: backup.id, target }
          : { backupId: backup.id, target, path: inside };
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

/** A backup whose snapshot is still there to read. */
async function findSnapshot(app: FastifyInstance, id: string): Promise<Job> {
  const backup = await findJob(app, id);
  if (backup.kind !== 'backup') {
    throw new ApiError('NOT_FOUND', `Job ${backup.id} is a ${backup.kind} job, not a backup`);
  }
  if (backup.status !== 'succeeded') {
    throw new ApiError(
      'SNAPSHOT_UNAVAILABLE',
      `Backup ${backup.id} is ${backup.status}: only a backup that succeeded has a snapshot`,
    );
  }
  if (backup.prunedAt) {
    throw new ApiError(
      'SNAPSHOT_UNAVAILABLE',
      `The snapshot of backup ${backup.id} was deleted by retention at ${backup.prunedAt}: pick a newer backup`,
    );
  }
  return backup;
}

// Checked here so that the client hears at once; the worker checks again, since the answer may
// change before the job runs.
async function refuseExisting(sourceRoot: string, target: string): Promise<void> {
  try {
    await lstat(path.join(sourceRoot, target));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') {
      throw new ApiError('TARGET_EXISTS', `target: a part of ${target} exists and is not a directory`);
    }
    throw error;
  }
  throw new ApiError(
    'TARGET_EXISTS',
    `target: ${target} already exists; restore never overwrites, pick a new one`,
  );
}

export default snapshotJobs;
