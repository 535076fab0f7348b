/**
 * The messages between the engine and its copy threads: the tasks a caller may give a thread and the
 * replies a thread sends back. WorkerPool.run is typed by these, so a task has exactly the fields
 * declared here and its result has the type that belongs to its kind.
 */
import type { BackupFilter } from '../filter.js';
import type { ManifestEntry } from '../manifest-entry.js';
import type { BackupProfile } from '../profile.js';
import type { CopyTally } from '../tally.js';

/** One file or symlink of a batch, named as in its directory. */
export interface BatchEntry {
  name: string;
  /** readdir said it is a regular file: the thread may open it without an lstat first. */
  file: boolean;
  /** The previous snapshot's record of this path when it was a file: linked instead if unchanged. */
  prev: ManifestEntry | null;
}

/** Copies some entries of one directory into a destination directory. */
export interface BatchTask {
  kind: 'batch';
  /** The source directory, as a path anchored at a descriptor the caller holds open. */
  srcDir: string;
  /** The destination directory, likewise; each entry is created there under its own name. */
  destDir: string;
  /** Where srcDir is relative to the root of the copy: prefixes manifest paths and warnings. */
  relDir: string;
  /** The same directory in the previous snapshot, to hard-link unchanged files from. */
  prevDir: string | null;
  /** Hash every copied file (SHA-256) for the manifest. */
  hash: boolean;
  /** Regular files larger than this are left out (the folder's policy); null: no limit. */
  maxFileSize: number | null;
  /** Time the batch's calls by phase (the bench's --profile); false costs nothing. */
  profile?: boolean;
  entries: BatchEntry[];
}

/** The batch's tally, and its manifest lines (without newlines) in entry order. */
export interface BatchResult extends CopyTally {
  lines: string[];
  /** Milliseconds by phase, when the task asked for them. */
  profile?: Partial<BackupProfile>;
}

/** Counts the files and bytes below a directory, for progress totals. */
export interface CountTask {
  kind: 'count';
  /** The directory, as a path anchored at a descriptor the caller holds open. */
  root: string;
  /** The folder's policy: what the copy leaves out, the count leaves out too. */
  filter?: BackupFilter;
}

export interface CountResult {
  /** Regular files and symlinks. */
  files: number;
  /** Bytes of the regular files. */
  bytes: number;
}

/** Hashes one file of a snapshot (verify). */
export interface HashTask {
  kind: 'hash';
  path: string;
}

export interface HashResult {
  /** SHA-256, lowercase hex. */
  hash: string;
  size: number;
}

export type ThreadTask = BatchTask | CountTask | HashTask;
export type TaskKind = ThreadTask['kind'];
export type TaskOf<K extends TaskKind> = Extract<ThreadTask, { kind: K }>;

/** The result type of each kind of task. */
export interface TaskResults {
  batch: BatchResult;
  count: CountResult;
  hash: HashResult;
}

/** A task as posted to a thread: with its id and its caller's cancel flag. */
export type TaskMessage = ThreadTask & {
  id: number;
  /** An Int32Array's buffer: non-zero once the caller cancels. */
  cancel: SharedArrayBuffer;
};

/** A failure inside a thread, as plain data (errors do not cross threads intact). */
export interface ThreadFailure {
  message: string;
  code?: string | undefined;
  syscall?: string | undefined;
  /** What the thread was doing ("reading", "creating" …). */
  operation?: string | undefined;
  /** The entry it was working on, relative to the root of the copy. */
  relativePath?: string | undefined;
}

export type ThreadReply =
  /** Bytes copied since the last report, while a large file is still being read. */
  | { type: 'progress'; id: number; bytes: number }
  | { type: 'ok'; id: number; result: TaskResults[TaskKind] }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; error: ThreadFailure };
