export { type ConnectWhenUpOptions, connectDatabaseWhenUp } from './connect-when-up.js';
export {
  type ConnectOptions,
  connectDatabase,
  type Db,
  type DbConnection,
  inTransaction,
  parseDatabaseUrl,
  TRANSACTION_ATTEMPTS,
  type TransactionOptions,
} from './connection.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { DatabaseBusyError, IdempotencyKeyReusedError, InvalidCursorError } from './errors.js';
export { getFolderSummary, type ListFoldersQuery, listFolders } from './folders/folder-summary.js';
export {
  type FolderBackups,
  type FolderBackupsPage,
  listFolderBackups,
} from './folders/list-folder-backups.js';
export { type ActiveJobRef, listActiveJobs } from './jobs/active-jobs.js';
export { type FailureCount, failureCounts } from './jobs/failure-counts.js';
export { finishJob, type JobOutcome, type JobSuccess } from './jobs/finish-job.js';
export { getJob } from './jobs/get-job.js';
export {
  type Idempotency,
  type InsertedJob,
  insertJob,
  insertJobs,
  type JobRequest,
} from './jobs/insert-job.js';
export { type ListJobsQuery, listJobs } from './jobs/list-jobs.js';
export { markPruned } from './jobs/mark-pruned.js';
export { startJob } from './jobs/start-job.js';
export { type SnapshotMaker, unreferencedSnapshots } from './jobs/unreferenced-snapshots.js';
export { updateProgress } from './jobs/update-progress.js';
export {
  type FolderLease,
  type LeaseQueryOptions,
  REPOSITORY_LEASE_KEY,
  releaseFolderLease,
  renewFolderLease,
  takeFolderLease,
} from './leases/folder-lease.js';
export { insertLog, type NewLogEntry } from './logs/insert-log.js';
export { insertLogs } from './logs/insert-logs.js';
export { type ListLogsQuery, listLogs } from './logs/list-logs.js';
export { type MigrateOptions, migrate } from './migrate.js';
export {
  changeFolderPolicy,
  getFolderPolicy,
  putFolderPolicy,
  type StoredPolicy,
} from './policies/folder-policy.js';
export {
  type CatalogBlobIndex,
  type CatalogBlobKind,
  type CatalogBlobPlace,
  type CatalogPack,
  catalogBlobIndex,
} from './repository/catalog-blob-index.js';
export { type CheckCatalogView, checkCatalog } from './repository/check-catalog.js';
export {
  type CatalogHorizon,
  type CatalogPrune,
  type CatalogPrunePack,
  type PrunePackState,
  pruneCatalog,
} from './repository/prune-catalog.js';
export {
  type CatalogSnapshot,
  type CatalogSource,
  catalogRebuiltAt,
  REBUILT_MESSAGE,
  type RebuildCounts,
  rebuildCatalog,
} from './repository/rebuild-catalog.js';
export { getSchedule } from './schedules/get-schedule.js';
export { insertSchedule } from './schedules/insert-schedule.js';
export { type ListSchedulesQuery, listFolderSchedules, listSchedules } from './schedules/list-schedules.js';
export { deleteSchedule, setSchedulePaused } from './schedules/update-schedule.js';
export { type SeedHistoryOptions, seedHistory } from './seed/seed-history.js';
export {
  type ListSnapshotsQuery,
  latestSnapshot,
  listSnapshots,
} from './snapshots/list-snapshots.js';
export { getStats } from './stats/get-stats.js';
export { lastBackupSuccess } from './stats/last-success.js';
export {
  type DeliveryAttempt,
  deleteWebhook,
  getWebhook,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  recordDelivery,
  webhooksFor,
  webhookTarget,
} from './webhooks/webhooks.js';
