import type { Job, NewJob } from '@strongbox/contract';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { findSnapshot } from '../../routes/backups/find-snapshot.js';
import { recordJob } from '../../routes/backups/submit-job.js';

/**
 * Runs an ended job again as a client would through the API: a new job of the same kind (a backup
 * of the same folder, a verify of the same backup, a restore of the same backup into the same
 * target, a check with the same reading of data, a prune of the repository), recorded in MySQL and queued, which writes a log row of its own when it ends. The
 * API's rules apply as to any request: a backup of a folder that already has one queued answers
 * that one, and a verify or restore of a backup whose snapshot is gone is refused
 * (`SNAPSHOT_UNAVAILABLE`). A backup a schedule started is run again as a one-off (no `scheduleId`).
 */
export async function runAgain(app: FastifyInstance, ended: Job, log: FastifyBaseLogger): Promise<Job> {
  const { job } = await recordJob(app, await sameRequest(app, ended), { log });
  return job;
}

async function sameRequest(app: FastifyInstance, job: Job): Promise<NewJob> {
  switch (job.kind) {
    case 'backup':
      return { kind: 'backup', folder: job.folder };
    case 'verify': {
      const backup = await findSnapshot(app, job.params.backupId);
      return { kind: 'verify', folder: backup.folder, params: { backupId: backup.id } };
    }
    case 'restore': {
      const backup = await findSnapshot(app, job.params.backupId);
      return { kind: 'restore', folder: backup.folder, params: job.params };
    }
    case 'check':
      return { kind: 'check', folder: '', params: job.params };
    case 'prune':
      return { kind: 'prune', folder: '' };
  }
}
