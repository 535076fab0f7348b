import { type BackupJob, quote, type Snapshot } from '@strongbox/contract';
import { latestSnapshot } from '@strongbox/db';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { findJob } from './find-job.js';

/**
 * The backup with this id, when its snapshot is still there to read: what verify and restore jobs
 * (and the dashboard's retry of one) act on.
 */
export async function findSnapshot(app: FastifyInstance, id: string): Promise<BackupJob> {
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

/**
 * The newest snapshot of `folder` when the request comes (the backup that `latest` names).
 *
 * @throws ApiError with `code` when the folder has none.
 */
export async function findLatestSnapshot(
  app: FastifyInstance,
  folder: string,
  code: 'NOT_FOUND' | 'SNAPSHOT_UNAVAILABLE',
): Promise<Snapshot> {
  const latest = await latestSnapshot(app.db, folder);
  if (!latest) {
    throw new ApiError(
      code,
      `Folder ${quote(folder)} has no snapshot: none of its backups succeeded, or retention deleted ` +
        'every snapshot; back it up first (POST /backups)',
    );
  }
  return latest;
}
