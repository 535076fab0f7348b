export {
  type ConnectOptions,
  connectDatabase,
  type Db,
  type DbConnection,
  inTransaction,
  parseDatabaseUrl,
} from './connection.js';
export type { Page } from './cursor.js';
export { type ActiveJobRef, listActiveJobs } from './jobs/active-jobs.js';
export { finishJob, type JobOutcome } from './jobs/finish-job.js';
export { getJob } from './jobs/get-job.js';
export { type InsertedJob, insertJob, type NewJob } from './jobs/insert-job.js';
export {
  ACTIVE_STATUSES,
  actionOf,
  JOB_KINDS,
  JOB_STATUSES,
  type Job,
  type JobError,
  type JobKind,
  type JobParams,
  type JobProgress,
  type JobStatus,
} from './jobs/job.js';
export { InvalidCursorError, type ListJobsQuery, listJobs } from './jobs/list-jobs.js';
export { markPruned } from './jobs/mark-pruned.js';
export { startJob } from './jobs/start-job.js';
export { updateProgress } from './jobs/update-progress.js';
export { insertLog, type NewLogEntry } from './logs/insert-log.js';
export { type ListLogsQuery, listLogs } from './logs/list-logs.js';
export type { LogAction, LogEntry, LogStatus } from './logs/log.js';
export { type MigrateOptions, migrate } from './migrate.js';
export { getStats, type Stats } from './stats/get-stats.js';
