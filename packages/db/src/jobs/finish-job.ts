import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { insertLog } from '../logs/insert-log.js';
import { getJob } from './get-job.js';
import { actionOf, type Job, type JobError, type JobKind, type JobProgress } from './job.js';

export type JobOutcome =
  | {
      status: 'succeeded';
      result: Record<string, unknown>;
      /** Final progress; totals equal the done counts. */
      progress?: JobProgress;
      /** For backups: where the snapshot is, relative to BACKUP_FOLDER. */
      snapshot?: string;
      filesCopied?: number;
      bytesCopied?: number;
    }
  | { status: 'failed'; error: JobError }
  | { status: 'cancelled'; error: JobError };

/**
 * Ends an active job and writes its log row (`Backup`, `Verify` or `Restore`) in one
 * transaction, so a job is never ended without its row nor logged twice.
 *
 * @returns the ended job, or null when it had already ended (another worker or a cancel won).
 */
export async function finishJob(db: Db, id: string, outcome: JobOutcome): Promise<Job | null> {
  const ended = await inTransaction(db, async (tx) => {
    const allowed = outcome.status === 'cancelled' ? "('queued')" : "('queued', 'running')";
    const success = outcome.status === 'succeeded' ? outcome : null;
    const error = outcome.status === 'succeeded' ? null : outcome.error;
    const [update] = await tx.execute<ResultSetHeader>(
      `UPDATE backup_job
       SET status = ?, finished_at = UTC_TIMESTAMP(3), queued_key = NULL,
           result = ?, snapshot = ?, files_copied = ?, bytes_copied = ?, error_code = ?, error_message = ?,
           files_done = COALESCE(?, files_done), files_total = COALESCE(?, files_total),
           bytes_done = COALESCE(?, bytes_done), bytes_total = COALESCE(?, bytes_total)
       WHERE id = ? AND status IN ${allowed}`,
      [
        outcome.status,
        success ? JSON.stringify(success.result) : null,
        success?.snapshot ?? null,
        success?.filesCopied ?? null,
        success?.bytesCopied ?? null,
        error?.code ?? null,
        error ? error.message.slice(0, 2000) : null,
        success?.progress?.filesDone ?? null,
        success?.progress?.filesTotal ?? null,
        success?.progress?.bytesDone ?? null,
        success?.progress?.bytesTotal ?? null,
        id,
      ],
    );
    if (update.affectedRows !== 1) return false;
    const [rows] = await tx.execute<RowDataPacket[]>('SELECT kind, folder FROM backup_job WHERE id = ?', [
      id,
    ]);
    const row = rows[0] as { kind: JobKind; folder: string };
    await insertLog(tx, {
      action: actionOf(row.kind),
      parameter: row.folder,
      status: outcome.status === 'succeeded' ? 'SUCCESS' : 'FAILED',
      jobId: id,
      message: error ? `${error.code}: ${error.message}` : null,
    });
    return true;
  });
  return ended ? getJob(db, id) : null;
}
