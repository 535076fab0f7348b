import type {
  BackupRequest,
  BackupResult,
  ReadRequest,
  RestoreRequest,
  RestoreResult,
  RetentionPolicy,
  RetentionResult,
  SweepRequest,
  VerifyResult,
} from '../repository/repository.js';
import { backupRoot, folderOfKey as keyToFolder } from './layout.js';
import { LocalTree } from './local-tree.js';

/*
 * The engine's calls by backup folder, each a LocalTree's method: for the tests, the bench and
 * scripts that name the backup folder on every call. The worker holds one LocalTree instead.
 */

export interface BackupOptions extends BackupRequest {
  /** Snapshots are written below it, at `<backupFolder>/<folder key>/<snapshot name>` (docs/engine.md). */
  backupFolder: string;
  /** Relative to sourceRoot, POSIX separators; checked with validateFolder. */
  folder: string;
}

export interface VerifyOptions extends ReadRequest {
  backupFolder: string;
  /** As in BackupResult.snapshot. */
  snapshot: string;
}

export interface RestoreOptions extends RestoreRequest {
  backupFolder: string;
  /** As in BackupResult.snapshot. */
  snapshot: string;
}

export interface RetentionOptions extends RetentionPolicy {
  backupFolder: string;
  folder: string;
  /** Accepted for callers that pass a clock; the rules count snapshots, not calendar days. */
  now?: Date;
}

export interface SweepOptions extends SweepRequest {
  backupFolder: string;
  folder: string;
}

/** See Repository.backup. */
export function runBackup({ backupFolder, folder, ...request }: BackupOptions): Promise<BackupResult> {
  return new LocalTree(backupFolder).backup(folder, request);
}

/** See Repository.verify. */
export function verifySnapshot({ backupFolder, snapshot, ...request }: VerifyOptions): Promise<VerifyResult> {
  return new LocalTree(backupFolder).verify(snapshot, request);
}

/** See Repository.restore. */
export function restoreSnapshot({
  backupFolder,
  snapshot,
  ...request
}: RestoreOptions): Promise<RestoreResult> {
  return new LocalTree(backupFolder).restore(snapshot, request);
}

/** See Repository.forget. */
export function applyRetention({
  backupFolder,
  folder,
  keepLast,
  keepDaily,
}: RetentionOptions): Promise<RetentionResult> {
  return new LocalTree(backupFolder).forget(folder, { keepLast, keepDaily });
}

/** See Repository.sweep. */
export function sweepFolder({ backupFolder, folder, ...request }: SweepOptions): Promise<string[]> {
  return new LocalTree(backupFolder).sweep(folder, request);
}

/** See Repository.listFolders. */
export function listBackedUpFolders(backupFolder: string): Promise<string[]> {
  return new LocalTree(backupFolder).listFolders();
}

/** See Repository.snapshotExists. */
export function snapshotExists(backupFolder: string, snapshot: string): Promise<boolean> {
  return new LocalTree(backupFolder).snapshotExists(snapshot);
}

/** See Repository.open. */
export function prepareBackupFolder(backupFolder: string): Promise<void> {
  return new LocalTree(backupFolder).open();
}

/** The folder whose directory in the backup folder is named `key`; null when there is no such key. */
export async function folderOfKey(backupFolder: string, key: string): Promise<string | null> {
  return keyToFolder(await backupRoot(backupFolder), key);
}
