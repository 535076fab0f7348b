import type { BackupJob } from '@strongbox/contract';
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
