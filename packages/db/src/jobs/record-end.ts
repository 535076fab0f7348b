import type { JobKind, JobStatus } from '@strongbox/contract';
import type { DbConnection } from '../connection.js';

/** A job that has just ended: what it was, how it ended, and when. */
export interface JobEnd {
  kind: JobKind;
  folder: string;
  status: JobStatus;
  /** The error code of a failure. */
  code: string | null;
  at: Date;
}

/**
 * Keeps the tables of migration 0011 in the transaction that ends a job, so /metrics reads them
 * exact: a backup that succeeded or failed moves its folder's newest success or failure; a job
 * that failed adds one to the failures of its kind and error code. Called after the job's counts
 * (jobs/count-jobs.ts), always in this order, so that two ending transactions take their row locks
 * in the same order.
 */
export async function recordEnd(tx: DbConnection, end: JobEnd): Promise<void> {
  if (end.kind === 'backup' && (end.status === 'succeeded' || end.status === 'failed')) {
    const column = end.status === 'succeeded' ? 'last_success_at' : 'last_failure_at';
    await tx.query(
      `INSERT INTO folder_backup (folder_key, folder, ${column}) VALUES (SHA2(?, 256), ?, ?)
       ON DUPLICATE KEY UPDATE ${column} = GREATEST(COALESCE(${column}, VALUES(${column})), VALUES(${column}))`,
      [end.folder, end.folder, end.at],
    );
  }
  if (end.status === 'failed') {
    await tx.query(
      `INSERT INTO job_failure_count (kind, code, failures) VALUES (?, ?, 1)
       ON DUPLICATE KEY UPDATE failures = failures + 1`,
      [end.kind, end.code ?? 'INTERNAL'],
    );
  }
}
