// The shapes of the API's answers that the client reads (apps/api/API.md describes them in full).
// Declared here rather than imported, so that the package runs with no other Strongbox package.

export type JobKind = 'backup' | 'verify' | 'restore';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const JOB_KINDS: readonly JobKind[] = ['backup', 'verify', 'restore'];
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const LOG_STATUSES = ['SUCCESS', 'FAILED'] as const;

export interface JobProgress {
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  bytesTotal: number | null;
}

/** `result` of a job that succeeded; which fields are there depends on the kind. */
export interface JobResult {
  snapshot: string;
  files: number;
  bytes: number;
  durationMs: number;
  /** backup */
  linkedFiles?: number;
  /** restore */
  target?: string;
  path?: string | null;
}

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
  result: JobResult | null;
  error: { code: string; message: string } | null;
  params: { backupId: string; target?: string; path?: string | null } | null;
  prunedAt: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LogRow {
  id: number;
  date: string;
  action: string;
  parameter: string | null;
  status: string;
  jobId: string | null;
  message: string | null;
}

export interface Stats {
  backups: Record<'total' | JobStatus, number>;
  bytesCopied: number;
  filesCopied: number;
  lastSuccessAt: string | null;
}

/** A recurring backup of one folder (`/schedules`). */
export interface Schedule {
  id: string;
  folder: string;
  cron: string;
  tz: string;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
  /** When it fires next; null while paused. */
  nextRunAt: string | null;
}

/** The body of every error answer. */
export interface Problem {
  statusCode: number;
  error: string;
  code: string;
  message: string;
}

export function isEnded(job: Job): boolean {
  return job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';
}
