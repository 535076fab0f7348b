import { type Job, jobSchema } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';

export const JOB_COLUMNS = `seq, id, kind, folder, schedule_id, params, status, attempts, worker, created_at,
  started_at, finished_at, files_done, files_total, bytes_done, bytes_total, result, error_code,
  error_message, pruned_at`;

/**
 * A `backup_job` row as the job object of the contract, checked by its schema: a row that does not
 * make a valid job (a result of the wrong shape for its kind) is an error here, not in a client.
 */
export function jobFromRow(row: RowDataPacket): Job {
  return jobSchema.parse({
    id: row.id,
    kind: row.kind,
    folder: row.folder,
    scheduleId: row.schedule_id ?? null,
    status: row.status,
    attempts: Number(row.attempts),
    worker: row.worker ?? null,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    progress: {
      filesDone: Number(row.files_done),
      filesTotal: row.files_total === null ? null : Number(row.files_total),
      bytesDone: Number(row.bytes_done),
      bytesTotal: row.bytes_total === null ? null : Number(row.bytes_total),
    },
    result: row.result ? JSON.parse(row.result) : null,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    params: row.params ? JSON.parse(row.params) : null,
    prunedAt: iso(row.pruned_at),
  });
}

function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
