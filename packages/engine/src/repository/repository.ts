import type { Readable } from 'node:stream';
import type { CopyHooks } from '../copy-tree.js';
import type { BackupFilter } from '../filter.js';
import type { ManifestTrailer } from '../manifest-entry.js';
import type { BackupProfile } from '../profile.js';
import type { Progress } from '../progress.js';
import type { CopyTally } from '../tally.js';

/**
 * Where snapshots live. The worker holds one, picked from its settings (BACKUP_FOLDER: the local
 * tree), and does every job through it. A snapshot is named by an opaque string that the repository
 * answers from `backup` and alone knows how to read (the local tree's is `<folder key>/<snapshot
 * name>`); folders are the contract's, checked once, at the entry of each call.
 */
export interface Repository {
  /**
   * Makes sure the repository is one this engine reads, and readies an empty one. Every call checks
   * it too, once per process; the worker calls it at start to refuse a repository it would not read right.
   */
  open(): Promise<void>;
  /** Backs up one folder into a new snapshot: prepare, copy, commit (see BackupPhases). */
  backup(folder: string, options: BackupRequest): Promise<BackupResult>;
  /** Re-reads a snapshot against its manifest; throws SNAPSHOT_CORRUPT naming what differs. */
  verify(snapshot: string, options?: ReadRequest): Promise<VerifyResult>;
  /** Writes a snapshot, or one path in it, to a new target below the source root. */
  restore(snapshot: string, options: RestoreRequest): Promise<RestoreResult>;
  /** The folder's complete snapshots, oldest first. */
  listSnapshots(folder: string): Promise<SnapshotEntry[]>;
  /** Whether the snapshot is there, complete. */
  snapshotExists(snapshot: string): Promise<boolean>;
  /** Deletes the folder's snapshots that no rule of `policy` keeps (with any rule on, the newest stays). */
  forget(folder: string, policy: RetentionPolicy): Promise<RetentionResult>;
  /** Removes what dead attempts left for the folder; with `unreferenced`, the snapshots it answers. */
  sweep(folder: string, options?: SweepRequest): Promise<string[]>;
  /** The folders that have anything in the repository, in no order. */
  listFolders(): Promise<string[]>;
  /**
   * The entries of one directory of a snapshot (`path` relative, POSIX; "" for its root), in no
   * particular order. Symlinks are listed with their target, never followed.
   * @throws EngineError NO_SUCH_SNAPSHOT, NO_SUCH_PATH, NOT_A_DIRECTORY (the path is a file or symlink)
   */
  listDirectory(snapshot: string, path: string): Promise<ContentEntry[]>;
  /**
   * One regular file of a snapshot, as a stream of its bytes (read as the stream is consumed).
   * @throws EngineError NO_SUCH_SNAPSHOT, NO_SUCH_PATH, NOT_A_FILE (a directory or a symlink)
   */
  readFile(snapshot: string, path: string): Promise<SnapshotFile>;
  /**
   * What differs from snapshot `from` to snapshot `to`, path by path in walk order (depth-first, a
   * directory right before its contents): see ContentChange.
   */
  diff(from: string, to: string): AsyncIterable<ContentChange>;
}

/** One entry of a snapshot's directory. */
export interface ContentEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  /** A file's bytes; a symlink's target's bytes (UTF-8); 0 for a directory. */
  size: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  /** Modification time, nanoseconds since the epoch, in decimal. */
  mtime: string;
  /** A symlink's target, as stored. */
  target?: string;
}

/** A file of a snapshot, open for reading. */
export interface SnapshotFile {
  size: number;
  mode: number;
  mtime: string;
  /**
   * Its bytes. A read that finds the file damaged (a blob that does not authenticate, a size other
   * than recorded) ends the stream with that error. Destroy it when not read to the end.
   */
  stream: Readable;
}

/**
 * One path that differs between two snapshots. `added` and `removed` name every entry (directories
 * and what is in them); `changed` names a file or symlink present in both whose content (a
 * different hash or size on the local tree, a different chunk list on the object repository), type
 * (file ↔ symlink), target or permission bits differ. An mtime alone is no change; a directory is
 * never `changed`. A path that is a directory in one and not in the other is removed and added.
 */
export interface ContentChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** The type in `to`; in `from` when removed. */
  type: ContentEntry['type'];
  /** The size in `to`; in `from` when removed. */
  size: number;
  /** The size in `from`, when changed. */
  previousSize?: number;
}

/** What a backup needs besides the folder. */
export interface BackupRequest {
  /** Folders are resolved inside it, and only inside it. */
  sourceRoot: string;
  /**
   * The job this backup is an attempt of. It names the staging, so that a retry cleans what earlier
   * attempts left, and is written into the manifest: a retry that finds the job's complete snapshot
   * as the folder's latest adopts it (answers its result) instead of copying again. The caller runs
   * one attempt of a folder at a time (the worker's folder lock).
   */
  jobId: string;
  /**
   * The folder's newest complete snapshot as the caller's catalog records it (null: none), so that a
   * repository which would otherwise look through every snapshot to find it reads that one instead.
   * A hint only: one that is missing, unreadable or of another folder is ignored, and the repository
   * looks for itself. The local tree reads the folder's directory anyway and does not need it.
   * @defaultValue the repository looks for itself
   */
  previous?: string | null;
  /**
   * What the backup leaves out: the folder policy's exclude patterns, markers and size limit
   * (docs/engine.md, "What a backup leaves out"). @defaultValue nothing is left out
   */
  filter?: BackupFilter;
  /** Stamps the snapshot name. @defaultValue the current time */
  now?: Date;
  /** Aborting stops the copy, removes the staging and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called at most about four times a second, and once more at the end with final totals. */
  onProgress?: (p: Progress) => void;
  /**
   * Copy threads. They spend much of their time waiting on the disk, so more threads than CPUs
   * keep more reads in flight. @defaultValue twice the number of CPUs, at least 4
   */
  concurrency?: number;
  /** Hash every copied file (SHA-256) into the manifest. @defaultValue true */
  hash?: boolean;
  /**
   * Called right before the snapshot is made visible, when everything is written and flushed: a
   * rejection stops the backup there (the staging is removed, no snapshot appears) and is what the
   * backup rejects with. The worker checks there that it still holds the folder's lock.
   */
  beforeCommit?: () => Promise<void>;
  /**
   * Filled with milliseconds per phase (walk, open+read, write, hash, manifest, flush, rename …)
   * for the bench's `--profile`; without it nothing is timed. @internal
   */
  profile?: BackupProfile;
  /** Test seams. @internal */
  hooks?: BackupHooks;
}

/** The steps of a backup at which tests stop it (docs/engine.md, "Snapshots, staging and crashes"). */
export type BackupStep = 'staging-created' | 'header-written' | 'manifest-renamed' | 'snapshot-renamed';

/** Points at which tests can stop a removal. @internal */
export interface DiscardHooks {
  /** Called once an entry has been renamed to its tombstone, before it is deleted. */
  afterTombstone?: (tombstone: string) => void | Promise<void>;
}

/** Points at which tests can change the source or stop the backup. @internal */
export interface BackupHooks extends CopyHooks, DiscardHooks {
  /** Called when the backup has done `step`. */
  at?: (step: BackupStep) => void | Promise<void>;
}

/**
 * What a backup into the object repository stored and reused, counted in content chunks (data
 * blobs; the directory trees are not counted). The local tree has no chunks: its results leave
 * these out.
 */
export interface ChunkTally {
  /** Chunks the repository lacked, stored by this backup. */
  newChunks: number;
  /** Chunks of the snapshot that the repository held already (unchanged files' included). */
  reusedChunks: number;
  /** The new chunks' bytes before compression. */
  newBytes: number;
  /** What the new chunks take in their packs, compressed and encrypted. */
  storedBytes: number;
}

/** The snapshot's tally (see CopyTally), which snapshot it is, and how long it took. */
export interface BackupResult extends CopyTally, Partial<ChunkTally> {
  /** The repository's name for it; the local tree's: `<folder key>/<snapshot name>`, e.g. "photos%2F2024/20261122T010203Z-1a2b3c". */
  snapshot: string;
  durationMs: number;
}

/**
 * A backup in three phases, as a repository runs them (backup.ts, `backupWith`, runs them in order):
 * - prepare: find the folder's place, clean what dead attempts left there, answer the result of an
 *   earlier attempt of the same job when its snapshot is complete (adopt), else pick the previous
 *   snapshot and make a staging place for the new one;
 * - copy (the engine's, the same for every repository): the manifest and the tree, into the staging;
 * - commit: make the staged snapshot durable and visible under its name, after `mayCommit` says yes.
 * `abandon` removes the staging of a backup that did not commit.
 */
export interface BackupPhases<S extends StagedBackup = StagedBackup> {
  prepare(): Promise<{ adopted: BackupResult } | { staged: S }>;
  commit(staged: S, mayCommit: () => Promise<void>): Promise<string>;
  abandon(staged: S): Promise<void>;
  /** Releases what prepare held, whatever happened. */
  close(): Promise<void>;
}

/** What prepare hands the copy. */
export interface StagedBackup {
  /** Where the copy writes the manifest (a file) and the tree (a directory it creates). */
  manifest: string;
  tree: string;
  /** The newest complete snapshot: unchanged files are hard-linked from it, its totals seed progress. */
  previous: { dir: string; manifest: string; trailer: ManifestTrailer } | null;
  /** Directories the copy never enters (the repository's own, should it lie inside the source). */
  exclude: { dev: bigint; ino: bigint }[];
}

/** What reading a snapshot needs. */
export interface ReadRequest {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface RestoreRequest extends ReadRequest {
  sourceRoot: string;
  /** Relative to sourceRoot; must not exist yet. Missing parent directories are created. */
  target: string;
  /** One file or directory inside the snapshot (relative, POSIX); the whole snapshot when absent. */
  path?: string;
}

/** One complete snapshot of a folder. */
export interface SnapshotEntry {
  snapshot: string;
  /** When it was stamped (to the second). */
  time: Date;
}

/**
 * Which snapshots `forget` keeps, with restic's semantics (retention.ts, `selectKept`): a snapshot
 * is kept when any rule keeps it; a rule that is 0 or absent is off; with every rule off nothing is
 * deleted. Periods are calendar periods in UTC.
 */
export interface RetentionPolicy {
  /** Keep the newest N snapshots. */
  keepLast?: number;
  /** Keep the newest snapshot of each of the last N hours that have snapshots. */
  keepHourly?: number;
  /** … of each of the last N days. */
  keepDaily?: number;
  /** … of each of the last N ISO 8601 weeks (Monday to Sunday). */
  keepWeekly?: number;
  /** … of each of the last N months. */
  keepMonthly?: number;
  /** … of each of the last N years. */
  keepYearly?: number;
}

/** A complete snapshot and the job its manifest says made it. */
export interface MadeSnapshot {
  /** As in BackupResult.snapshot. */
  snapshot: string;
  jobId: string;
}

export interface SweepRequest {
  /**
   * A new attempt of this job is about to run and the caller holds the folder's lock: the staging of
   * every earlier attempt of the job is stale, whoever made it.
   */
  jobId?: string;
  /**
   * Told of the folder's complete snapshots whose manifest names the job that made it (manifest
   * version 2), and answers those of them that no job references: they are removed. A snapshot is
   * removed only when this answers it; without it, no complete snapshot is.
   */
  unreferenced?: (made: MadeSnapshot[]) => Promise<string[]>;
  /** Test seams. @internal */
  hooks?: DiscardHooks;
}

/** What a verify read. */
export interface VerifyResult {
  files: number;
  bytes: number;
  durationMs: number;
}

/** What a restore wrote. */
export interface RestoreResult {
  /** As given. */
  target: string;
  files: number;
  bytes: number;
  durationMs: number;
}

export interface RetentionResult {
  /** Snapshots as in BackupResult.snapshot, newest first. */
  kept: string[];
  pruned: string[];
}
