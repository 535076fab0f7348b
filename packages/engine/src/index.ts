export { CLIENT_ERROR_CODES, ENGINE_ERROR_CODES, EngineError, type EngineErrorCode } from './errors.js';
export {
  applyRetention,
  type BackupOptions,
  folderOfKey,
  listBackedUpFolders,
  prepareBackupFolder,
  type RestoreOptions,
  type RetentionOptions,
  restoreSnapshot,
  runBackup,
  type SweepOptions,
  snapshotExists,
  sweepFolder,
  type VerifyOptions,
  verifySnapshot,
} from './local-tree/entry-points.js';
export { decodeFolderKey, folderKey, LAYOUT_VERSION } from './local-tree/layout.js';
export { LocalTree } from './local-tree/local-tree.js';
export type { ManifestEntry, ManifestHeader, ManifestTrailer, SourceRecord } from './manifest-entry.js';
export { type BackupProfile, newProfile, PHASES, type Phase } from './profile.js';
export type { Progress } from './progress.js';
export type {
  BackupRequest,
  BackupResult,
  BackupStep,
  ContentChange,
  ContentEntry,
  MadeSnapshot,
  ReadRequest,
  Repository,
  RestoreRequest,
  RestoreResult,
  RetentionPolicy,
  RetentionResult,
  SnapshotEntry,
  SnapshotFile,
  SweepRequest,
  VerifyResult,
} from './repository/repository.js';
export type { CopyTally } from './tally.js';
export { validateFolder } from './validate-folder.js';
export type { Difference } from './verify.js';
