import type { RowDataPacket } from 'mysql2/promise';

export const JOB_KINDS = ['backup', 'verify', 'restore'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** States a job can still leave. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export interface JobProgress {
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  bytesTotal: number | null;
}

export interface JobError {
  code: string;
  message: string;
}

/** What a verify or restore job acts on; null for backups. */
export interface JobParams {
  backupId: string;
  target?: string;
  path?: string;
}

/** The job object of the contract, as the API answers it. */
export interface Job {
  id: string;
  kind: JobKind;
  folder: string;
  scheduleId: string | null;
  status: JobStatus;
  attempts: number;
  worker: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: JobProgress;
  result: Record<string, unknown> | null;
  error: JobError | null;
  params: JobParams | null;
  prunedAt: string | null;
}

/** The log action a job writes when it ends. */
export function actionOf(kind: JobKind): 'Backup' | 'Verify' | 'Restore' {
  if (kind === 'verify') return 'Verify';
  if (kind === 'restore') return 'Restore';
  return 'Backup';
}

export const JOB_COLUMNS = `seq, id, kind, folder, schedule_id, params, status, attempts, worker, created_at,
  started_at, finished_at, files_done, files_total, bytes_done, bytes_total, result, error_code,
  error_message, pruned_at`;

export function jobFromRow(row: RowDataPacket): Job {
  return {
    id: row.id,
    kind: row.kind,
    folder: row.folder,
    scheduleId: row.schedule_id ?? null,
    status: row.status,
    attempts: Number(row.attempts),
    worker: row.worker ?? null,
    createdAt: iso(row.created_at) as string,
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
  };
}

function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
