import { isTerminal, type Job, type JobKind, type JobStatus } from '@strongbox/contract';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { countTransition } from './count-jobs.js';
import { getJob } from './get-job.js';

/**
 * Marks a job running for one more attempt by `worker`. A job that is already running is taken
 * over too: that is a retry, or a worker that died mid-job and whose job the queue handed on.
 *
 * @returns the job as it now is, or null when it is not active (cancelled, ended, unknown).
 */
export async function startJob(db: Db, id: string, worker: string): Promise<Job | null> {
  const started = await inTransaction(db, async (tx) => {
    const [rows] = await tx.execute<RowDataPacket[]>(
      'SELECT kind, status FROM backup_job WHERE id = ? FOR UPDATE',
      [id],
    );
    const row = rows[0] as { kind: JobKind; status: JobStatus } | undefined;
    if (!row || isTerminal(row.status)) return false;
    await tx.execute<ResultSetHeader>(
      `UPDATE backup_job
       SET status = 'running', attempts = attempts + 1, worker = ?, queued_key = NULL,
           started_at = COALESCE(started_at, UTC_TIMESTAMP(3))
       WHERE id = ?`,
      [worker, id],
    );
    await countTransition(tx, { kind: row.kind, from: row.status, to: 'running' });
    return true;
  });
  return started ? getJob(db, id) : null;
}
