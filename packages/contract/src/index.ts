export {
  folderSchema,
  MAX_NAME_BYTES,
  MAX_PATH_BYTES,
  PATH_ERROR_CODES,
  type PathSubject,
  pathProblem,
  pathSchema,
  quote,
  targetSchema,
} from './folder.js';
export {
  ACTIVE_STATUSES,
  type ActiveStatus,
  type BackupJob,
  backupJobSchema,
  isTerminal,
  JOB_KINDS,
  JOB_STATUSES,
  type Job,
  type JobError,
  type JobKind,
  type JobOf,
  type JobProgress,
  type JobStatus,
  jobErrorSchema,
  jobKindSchema,
  jobProgressSchema,
  jobSchema,
  jobStatusSchema,
  type RestoreJob,
  type RestoreParams,
  restoreJobSchema,
  restoreParamsSchema,
  TERMINAL_STATUSES,
  type TerminalStatus,
  type VerifyJob,
  type VerifyParams,
  verifyJobSchema,
  verifyParamsSchema,
} from './job.js';
export {
  ACTION_OF_KIND,
  LOG_ACTIONS,
  LOG_STATUSES,
  type LogAction,
  type LogEntry,
  type LogStatus,
  logEntrySchema,
  logStatusSchema,
} from './log.js';
export { type NewJob, newJobSchema } from './new-job.js';
export { type Page, pageSchema } from './page.js';
export {
  type BackupResult,
  backupResultSchema,
  JOB_RESULT_SCHEMAS,
  type RestoreResult,
  type ResultOf,
  restoreResultSchema,
  type VerifyResult,
  verifyResultSchema,
} from './result.js';
export {
  DEFAULT_TIME_ZONE,
  type NewSchedule,
  newScheduleSchema,
  nextRunOf,
  SCHEDULE_ERROR_CODE,
  type Schedule,
  scheduleSchema,
} from './schedule.js';
export { type Snapshot, snapshotSchema } from './snapshot.js';
export { type Stats, statsSchema } from './stats.js';
