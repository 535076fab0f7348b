import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { type CopyHooks, type CopyTally, copyTree, newCounters } from './copy-tree.js';
import { errnoOf, toEngineError } from './errors.js';
import { fsyncDirectory, syncFilesystem } from './flush.js';
import {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  ManifestCursor,
  type ManifestHeader,
  ManifestReader,
  type ManifestTrailer,
  ManifestWriter,
  OrderedLines,
  readTrailer,
} from './manifest.js';
import { MANIFEST_SUFFIX, newSnapshotName } from './paths.js';
import { acquirePool, CancelToken, releasePool, type WorkerPool } from './pool.js';
import { type Progress, ProgressThrottle } from './progress.js';
import { resolveSourceDirectory } from './resolve.js';
import { folderDirectory, listSnapshots, type SnapshotInfo } from './snapshots.js';
import { cleanStaleStaging, createStaging, removeTree } from './staging.js';

export interface BackupOptions {
  /** Folders are resolved inside it, and only inside it. */
  sourceRoot: string;
  /** Snapshots are written below it, at `<backupFolder>/<folder>/<snapshot name>`. */
  backupFolder: string;
  /** Relative to sourceRoot, POSIX separators; checked with validateFolder. */
  folder: string;
  /** Names the staging directory, so a retry of the same job can clean its earlier attempt. */
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
  /** Test seams. @internal */
  hooks?: CopyHooks;
}

/** The snapshot's tally (see CopyTally), where it is, and how long it took. */
export interface BackupResult extends CopyTally {
  /** Relative to backupFolder, POSIX separators, e.g. "photos/2024/20261122T010203Z-1a2b3c". */
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
  const source = await resolveSourceDirectory(options.sourceRoot, options.folder);
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
  let cursor: ManifestCursor | undefined;
  let writer: ManifestWriter | undefined;
  try {
    const folderDir = await folderDirectory(options.backupFolder, options.folder, true);
    const backupRoot = await fsp.stat(await fsp.realpath(options.backupFolder), { bigint: true });
    const folderStat = await fsp.stat(folderDir, { bigint: true });
    await cleanStaleStaging({
      backupFolder: options.backupFolder,
      folder: options.folder,
      jobId: options.jobId,
    });
    const previous = await latestComplete(folderDir, options.folder);
    staging = await createStaging(folderDir, options.jobId);

    pool = acquirePool(options.concurrency ?? defaultConcurrency());
    if (options.onProgress) {
      counter = acquirePool(1, 'count');
      counter
        .run<{ files: number; bytes: number }>(
          { kind: 'count', root: `/proc/self/fd/${source.handle.fd}` },
          counting,
        )
        .then((totals) => {
          progress.filesTotal = totals.files;
          progress.bytesTotal = totals.bytes;
          progress.update();
        })
        .catch(() => {});
    }

    const manifestPath = path.join(staging, 'manifest.jsonl');
    writer = new ManifestWriter(manifestPath);
    const hash = options.hash ?? true;
    const header: ManifestHeader = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      hash: hash ? 'sha256' : null,
      folder: options.folder,
      createdAt: (options.now ?? new Date()).toISOString(),
    };
    await writer.write(`${JSON.stringify(header)}\n`);
    const lines = new OrderedLines(writer);
    if (previous) cursor = new ManifestCursor(new ManifestReader(previous.manifest));

    await copyTree({
      source: source.handle,
      dest: path.join(staging, 'tree'),
      exclude: [backupRoot, folderStat],
      pool,
      cancel,
      lines,
      previous: previous && cursor ? { dir: previous.dir, cursor } : null,
      hash,
      counters,
      onChange: () => progress.update(),
      signal: options.signal,
      hooks: options.hooks,
    });
    await lines.flushed();
    const trailer: ManifestTrailer = { end: true, files: counters.files, bytes: counters.bytes };
    await writer.write(`${JSON.stringify(trailer)}\n`);
    await writer.close();
    writer = undefined;
    if (options.signal?.aborted) throw options.signal.reason;

    await syncFilesystem(staging);
    const name = await freshName(folderDir, options.now ?? new Date());
    // Manifest first: a snapshot directory never exists without its manifest.
    await fsp.rename(manifestPath, path.join(folderDir, name + MANIFEST_SUFFIX));
    await fsp.rename(path.join(staging, 'tree'), path.join(folderDir, name));
    await removeTree(staging);
    staging = undefined;
    await fsyncDirectory(folderDir);

    progress.finish();
    const warnings = counters.warnings.slice();
    if (counters.warningCount > warnings.length) {
      warnings.push(`… and ${counters.warningCount - warnings.length} more warnings`);
    }
    return {
      snapshot: `${options.folder}/${name}`,
      files: counters.files,
      bytes: counters.bytes,
      copiedFiles: counters.copiedFiles,
      copiedBytes: counters.copiedBytes,
      linkedFiles: counters.linkedFiles,
      skipped: counters.skipped,
      warnings,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw toEngineError(error, `backing up ${options.folder}`);
  } finally {
    writer?.destroy();
    cursor?.dispose();
    counting.cancel();
    if (pool) releasePool(pool);
    if (counter) releasePool(counter);
    await source.handle.close();
    if (staging) await removeTree(staging).catch(() => {});
  }
}

export function defaultConcurrency(): number {
  return Math.max(4, 2 * availableParallelism());
}

/** The newest snapshot of the folder whose manifest is complete: the base for hard links. */
async function latestComplete(folderDir: string, folder: string): Promise<SnapshotInfo | null> {
  const snapshots = await listSnapshots(folderDir, folder);
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const s = snapshots[i]!;
    if ((await readTrailer(s.manifest)) !== null) return s;
  }
  return null;
}

async function freshName(folderDir: string, now: Date): Promise<string> {
  for (;;) {
    const name = newSnapshotName(now);
    try {
      await fsp.lstat(path.join(folderDir, name));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return name;
      throw error;
    }
  }
}
