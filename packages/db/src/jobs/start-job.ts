import { ACTIVE_STATUSES, type Job } from '@strongbox/contract';
import type { ResultSetHeader } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { placeholders } from '../where.js';
import { getJob } from './get-job.js';

/**
 * Marks a job running for one more attempt by `worker`. A job that is already running is taken
 * over too: that is a retry, or a worker that died mid-job and whose job the queue handed on.
 *
 * @returns the job as it now is, or null when it is not active (cancelled, ended, unknown).
 */
export async function startJob(db: Db, id: string, worker: string): Promise<Job | null> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE backup_job
     SET status = 'running', attempts = attempts + 1, worker = ?, queued_key = NULL,
         started_at = COALESCE(started_at, UTC_TIMESTAMP(3))
     WHERE id = ? AND status IN (${placeholders(ACTIVE_STATUSES)})`,
    [worker, id, ...ACTIVE_STATUSES],
  );
  return result.affectedRows === 1 ? getJob(db, id) : null;
}
