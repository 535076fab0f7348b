import {
  ACTION_OF_KIND,
  ACTIVE_STATUSES,
  JOB_RESULT_SCHEMAS,
  type Job,
  type JobError,
  type JobKind,
  type JobStatus,
  type ResultOf,
} from '@strongbox/contract';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { recordBackupEnd } from '../folders/folder-summary.js';
import { insertLogWith } from '../logs/insert-log.js';
import { countTransition } from './count-jobs.js';
import { getJob } from './get-job.js';
import { recordEnd } from './record-end.js';

/** How a job of kind `K` succeeded: its result, of the shape its kind has. */
export type JobSuccess<K extends JobKind = JobKind> = {
  [Kind in K]: { status: 'succeeded'; kind: Kind; result: ResultOf<Kind> };
}[K];

export type JobOutcome =
  | JobSuccess
  | {
      status: 'failed';
      error: JobError;
      /** A check that found damage keeps what it found (docs/repository.md, "Maintenance"). */
      result?: ResultOf<'check'>;
    }
  | { status: 'cancelled'; error: JobError };

/**
 * Ends an active job and writes its log row (`Backup`, `Verify` or `Restore`, dated as the job's
 * `finishedAt`) in one transaction, so a job is never ended without its row nor logged twice. A
 * success stores the result in the shape of its kind (fields beyond it are left out), sets the final
 * progress to the result's totals, and for a backup the snapshot and copied figures that retention
 * and stats read; a backup that ran to its end moves its folder's summary.
 *
 * @returns the ended job, or null when it had already ended (another worker or a cancel won).
 */
export async function finishJob(db: Db, id: string, outcome: JobOutcome): Promise<Job | null> {
  const from: readonly JobStatus[] = outcome.status === 'cancelled' ? ['queued'] : ACTIVE_STATUSES;
  const result =
    outcome.status === 'succeeded'
      ? JOB_RESULT_SCHEMAS[outcome.kind].parse(outcome.result)
      : outcome.status === 'failed' && outcome.result
        ? JOB_RESULT_SCHEMAS.check.parse(outcome.result)
        : null;
  const backup = outcome.status === 'succeeded' && outcome.kind === 'backup' ? outcome.result : null;
  // The totals of a backup, verify or restore become its final progress (a check or prune counts packs).
  const totals = result && 'files' in result ? result : null;
  const error = outcome.status === 'succeeded' ? null : outcome.error;
  const ended = await inTransaction(db, async (tx) => {
    const [rows] = await tx.execute<RowDataPacket[]>(
      'SELECT seq, kind, folder, status, UTC_TIMESTAMP(3) AS now FROM backup_job WHERE id = ? FOR UPDATE',
      [id],
    );
    const row = rows[0] as
      | { seq: number; kind: JobKind; folder: string; status: JobStatus; now: Date }
      | undefined;
    if (!row || !from.includes(row.status)) return false;
    await tx.execute<ResultSetHeader>(
      `UPDATE backup_job
       SET status = ?, finished_at = ?, queued_key = NULL,
           result = ?, snapshot = ?, files_copied = ?, bytes_copied = ?, error_code = ?, error_message = ?,
           files_done = COALESCE(?, files_done), files_total = COALESCE(?, files_total),
           bytes_done = COALESCE(?, bytes_done), bytes_total = COALESCE(?, bytes_total)
       WHERE id = ?`,
      [
        outcome.status,
        row.now,
        result ? JSON.stringify(result) : null,
        backup?.snapshot ?? null,
        backup?.copiedFiles ?? null,
        backup?.copiedBytes ?? null,
        error?.code ?? null,
        error ? error.message.slice(0, 2000) : null,
        totals?.files ?? null,
        totals?.files ?? null,
        totals?.bytes ?? null,
        totals?.bytes ?? null,
        id,
      ],
    );
    await countTransition(tx, {
      kind: row.kind,
      from: row.status,
      to: outcome.status,
      copied: backup ? { files: backup.copiedFiles, bytes: backup.copiedBytes, finishedAt: row.now } : null,
    });
    await recordEnd(tx, {
      kind: row.kind,
      folder: row.folder,
      status: outcome.status,
      code: error?.code ?? null,
      at: row.now,
    });
    if (row.kind === 'backup' && outcome.status !== 'cancelled') {
      await recordBackupEnd(tx, {
        folder: row.folder,
        jobId: id,
        seq: Number(row.seq),
        at: row.now,
        result: backup,
        errorCode: error?.code ?? null,
      });
    }
    await insertLogWith(tx, {
      date: row.now,
      action: ACTION_OF_KIND[row.kind],
      parameter: row.folder,
      status: outcome.status === 'succeeded' ? 'SUCCESS' : 'FAILED',
      jobId: id,
      message: error ? `${error.code}: ${error.message}` : null,
    });
    return true;
  });
  return ended ? getJob(db, id) : null;
}
