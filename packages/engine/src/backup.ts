import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import { adoptableResult } from './adopt.js';
import { type CopyHooks, copyTree } from './copy-tree.js';
import { errnoOf, toEngineError } from './errors.js';
import { fdPath } from './fd-path.js';
import { syncFilesystem } from './flush.js';
import { type FolderDirectory, openFolderDirectory } from './folder-directory.js';
import { backupRoot } from './layout.js';
import { ManifestCursor, ManifestReader, ManifestWriter, OrderedLines, readTrailer } from './manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type ManifestTrailer, manifestLine } from './manifest-entry.js';
import { MANIFEST_SUFFIX, newSnapshotName } from './paths.js';
import { acquirePool, CancelToken, releasePool, type WorkerPool } from './pool.js';
import { type BackupProfile, timed } from './profile.js';
import { type Progress, ProgressThrottle } from './progress.js';
import { resolveSourceDirectory, type SourceDirectory } from './resolve.js';
import { listSnapshots, type SnapshotInfo } from './snapshots.js';
import { createStaging, type DiscardHooks, removeStaging } from './staging.js';
import { sweepDirectory } from './sweep.js';
import { type CopyTally, finalTally, newCounters } from './tally.js';
import { assertValidFolder } from './validate-folder.js';

export interface BackupOptions {
  /** Folders are resolved inside it, and only inside it. */
  sourceRoot: string;
  /** Snapshots are written below it, at `<backupFolder>/<folder key>/<snapshot name>` (docs/engine.md). */
  backupFolder: string;
  /** Relative to sourceRoot, POSIX separators; checked with validateFolder. */
  folder: string;
  /**
   * The job this backup is an attempt of. It names the staging directory, so that a retry cleans
   * what earlier attempts left, and is written into the manifest: a retry that finds the job's
   * complete snapshot already in place adopts it (answers its result) instead of copying again.
   * The caller runs one attempt of a folder at a time (the worker's folder lock).
   */
  jobId: string;
  /** Stamps the snapshot name. @defaultValue the current time */
  now?: Date;
  /** Aborting stops the copy, removes the staging directory and rejects with the signal's reason. */
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
   * Called right before the snapshot is renamed into place, when everything is written and flushed:
   * a rejection stops the backup there (the staging directory is removed, no snapshot appears) and
   * is what runBackup rejects with. The worker checks there that it still holds the folder's lock.
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

/** Points at which tests can change the source or stop the backup. @internal */
export interface BackupHooks extends CopyHooks, DiscardHooks {
  /** Called when the backup has done `step`. */
  at?: (step: BackupStep) => void | Promise<void>;
}

/** The snapshot's tally (see CopyTally), where it is, and how long it took. */
export interface BackupResult extends CopyTally {
  /** Relative to backupFolder: `<folder key>/<snapshot name>`, e.g. "photos%2F2024/20261122T010203Z-1a2b3c". */
  snapshot: string;
  durationMs: number;
}

/**
 * Backs up one folder into a new snapshot: copies changed files, hard-links unchanged ones from the
 * folder's previous snapshot, writes the manifest beside it, flushes the filesystem once, and only
 * then renames the staging directory into place.
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  assertValidFolder(options.folder);
  const root = await backupRoot(options.backupFolder);
  const source = await resolveSourceDirectory(options.sourceRoot, options.folder);
  let folderDir: FolderDirectory | undefined;
  try {
    folderDir = await openFolderDirectory(options.backupFolder, options.folder, { create: true });
    return await backupInto(folderDir, source, root, options, started);
  } catch (error) {
    if (error instanceof CommitRefused) throw error.reason;
    if (options.signal?.aborted) throw options.signal.reason;
    throw toEngineError(error, `backing up ${options.folder}`);
  } finally {
    await folderDir?.handle.close();
    await source.close();
  }
}

export function defaultConcurrency(): number {
  return Math.max(4, 2 * availableParallelism());
}

async function backupInto(
  folderDir: FolderDirectory,
  source: SourceDirectory,
  root: string,
  options: BackupOptions,
  started: number,
): Promise<BackupResult> {
  const counters = newCounters();
  const progress = new ProgressThrottle(options.onProgress, () => ({
    filesDone: counters.files,
    bytesDone: counters.bytes + counters.partialBytes,
  }));
  let staging: string | undefined;
  let pool: WorkerPool | undefined;
  let counter: WorkerPool | undefined;
  const cancel = new CancelToken();
  const counting = new CancelToken();
  let countingDone: Promise<void> = Promise.resolve();
  let cursor: ManifestCursor | undefined;
  let writer: ManifestWriter | undefined;
  try {
    const backupRootStat = await fsp.stat(root, { bigint: true });
    const folderDirStat = await folderDir.handle.stat({ bigint: true });
    await sweepDirectory(folderDir, { jobId: options.jobId, hooks: options.hooks });
    const adopted = await adoptableResult(folderDir, options.jobId);
    if (adopted) return adopted;
    const previous = await latestComplete(folderDir);
    staging = await createStaging(folderDir, options.jobId);
    await options.hooks?.at?.('staging-created');

    pool = acquirePool(options.concurrency ?? defaultConcurrency());
    if (options.onProgress && previous) {
      // The previous snapshot's totals, at once and without a counting pass competing with the copy
      // for the same cold metadata reads; progress never reports a total below what is done.
      progress.filesTotal = previous.trailer.files;
      progress.bytesTotal = previous.trailer.bytes;
    } else if (options.onProgress) {
      counter = acquirePool(1, 'count');
      const counted = counter.run({ kind: 'count', root: fdPath(source.handle.fd) }, counting);
      countingDone = timed(options.profile, 'count', () => counted)
        .then((totals) => {
          progress.filesTotal = totals.files;
          progress.bytesTotal = totals.bytes;
          progress.update();
        })
        .catch(() => {});
    }

    const manifestPath = `${staging}/manifest.jsonl`;
    writer = new ManifestWriter(manifestPath);
    const hash = options.hash ?? true;
    const header = manifestLine({
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      hash: hash ? 'sha256' : null,
      folder: options.folder,
      createdAt: (options.now ?? new Date()).toISOString(),
      jobId: options.jobId,
    });
    await writer.write(`${header}\n`);
    await options.hooks?.at?.('header-written');
    const lines = new OrderedLines(writer);
    if (previous) cursor = new ManifestCursor(new ManifestReader(previous.manifest));

    await copyTree({
      source: source.handle,
      dest: `${staging}/tree`,
      exclude: [backupRootStat, folderDirStat],
      pool,
      cancel,
      lines,
      previous: previous && cursor ? { dir: previous.dir, cursor } : null,
      hash,
      counters,
      onChange: () => progress.update(),
      signal: options.signal,
      hooks: options.hooks,
      profile: options.profile,
    });
    const manifestWriter = writer;
    // The trailer holds the whole result, so that a retry adopting the snapshot answers the same.
    const tally = await timed(options.profile, 'manifest', async () => {
      await lines.flushed();
      const t = { ...finalTally(counters), durationMs: Math.round(performance.now() - started) };
      await manifestWriter.write(`${manifestLine({ end: true, ...t })}\n`);
      await manifestWriter.close();
      return t;
    });
    writer = undefined;
    if (options.signal?.aborted) throw options.signal.reason;

    await timed(options.profile, 'flush', () => syncFilesystem(root));
    await options.beforeCommit?.().catch((reason: unknown) => {
      throw new CommitRefused(reason);
    });
    if (options.signal?.aborted) throw options.signal.reason;
    const renameStarted = performance.now();
    const name = await freshName(folderDir, options.now ?? new Date());
    // Manifest first: a snapshot directory never exists without its manifest.
    await fsp.rename(manifestPath, `${folderDir.path}/${name}${MANIFEST_SUFFIX}`);
    await options.hooks?.at?.('manifest-renamed');
    await fsp.rename(`${staging}/tree`, `${folderDir.path}/${name}`);
    await options.hooks?.at?.('snapshot-renamed');
    await removeStaging(folderDir, staging);
    staging = undefined;
    await folderDir.handle.sync();
    if (options.profile) options.profile.rename += performance.now() - renameStarted;

    progress.finish();
    return { snapshot: `${folderDir.key}/${name}`, ...tally };
  } finally {
    writer?.destroy();
    cursor?.dispose();
    counting.cancel();
    // No task of this backup outlives it: the counting thread stops at its next check.
    await countingDone;
    if (pool) releasePool(pool);
    if (counter) releasePool(counter);
    if (staging) await removeStaging(folderDir, staging).catch(() => {});
  }
}

/** beforeCommit's rejection, carried unchanged through the backup's error handling. */
class CommitRefused {
  constructor(readonly reason: unknown) {}
}

/** The newest snapshot of the folder whose manifest is complete (the base for hard links), with its trailer. */
async function latestComplete(
  folderDir: FolderDirectory,
): Promise<(SnapshotInfo & { trailer: ManifestTrailer }) | null> {
  const snapshots = await listSnapshots(folderDir);
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const s = snapshots[i]!;
    const trailer = await readTrailer(s.manifest);
    if (trailer !== null) return { ...s, trailer };
  }
  return null;
}

async function freshName(folderDir: FolderDirectory, now: Date): Promise<string> {
  for (;;) {
    const name = newSnapshotName(now);
    try {
      await fsp.lstat(`${folderDir.path}/${name}`);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return name;
      throw error;
    }
  }
}
