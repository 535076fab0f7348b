import { availableParallelism } from 'node:os';
import { copyTree } from './copy-tree.js';
import { toEngineError } from './errors.js';
import { fdPath } from './fd-path.js';
import { PathFilter } from './filter.js';
import { ManifestCursor, ManifestReader, ManifestWriter, OrderedLines } from './manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, manifestLine } from './manifest-entry.js';
import { acquirePool, CancelToken, releasePool, type WorkerPool } from './pool.js';
import { timed } from './profile.js';
import { ProgressThrottle } from './progress.js';
import type { BackupPhases, BackupRequest, BackupResult, StagedBackup } from './repository/repository.js';
import { resolveSourceDirectory, type SourceDirectory } from './resolve.js';
import { type CopyCounters, type CopyTally, finalTally, newCounters } from './tally.js';

export function defaultConcurrency(): number {
  return Math.max(4, 2 * availableParallelism());
}

/**
 * Runs a backup of `folder` (already checked) through a repository's phases: prepare, then the
 * copy, then commit (see BackupPhases). The copy is the engine's own: it copies changed files,
 * hard-links unchanged ones from the previous snapshot and writes the manifest into the staging
 * that prepare made; commit alone makes the snapshot visible.
 */
export async function backupWith<S extends StagedBackup>(
  phases: BackupPhases<S>,
  folder: string,
  options: BackupRequest,
): Promise<BackupResult> {
  const started = performance.now();
  const source = await resolveSourceDirectory(options.sourceRoot, folder);
  try {
    const prepared = await phases.prepare();
    if ('adopted' in prepared) return prepared.adopted;
    const { staged } = prepared;
    let committed = false;
    try {
      const counters = newCounters();
      const progress = new ProgressThrottle(options.onProgress, () => ({
        filesDone: counters.files,
        bytesDone: counters.bytes + counters.partialBytes,
      }));
      const tally = await copyPhase(staged, source, folder, options, { started, counters, progress });
      const snapshot = await phases.commit(staged, async () => {
        await options.beforeCommit?.().catch((reason: unknown) => {
          throw new CommitRefused(reason);
        });
        if (options.signal?.aborted) throw options.signal.reason;
      });
      committed = true;
      progress.finish();
      return { snapshot, ...tally };
    } finally {
      if (!committed) await phases.abandon(staged).catch(() => {});
    }
  } catch (error) {
    if (error instanceof CommitRefused) throw error.reason;
    if (options.signal?.aborted) throw options.signal.reason;
    throw toEngineError(error, `backing up ${folder}`);
  } finally {
    await phases.close();
    await source.close();
  }
}

/** beforeCommit's rejection, carried unchanged through the backup's error handling. */
class CommitRefused {
  constructor(readonly reason: unknown) {}
}

/**
 * The copy: the manifest's header, the tree (through the copy threads), then the trailer, which
 * holds the whole result, so that a retry adopting the snapshot answers the same.
 */
async function copyPhase(
  staged: StagedBackup,
  source: SourceDirectory,
  folder: string,
  options: BackupRequest,
  { started, counters, progress }: { started: number; counters: CopyCounters; progress: ProgressThrottle },
): Promise<CopyTally & { durationMs: number }> {
  const { previous } = staged;
  let pool: WorkerPool | undefined;
  let counter: WorkerPool | undefined;
  const cancel = new CancelToken();
  const counting = new CancelToken();
  let countingDone: Promise<void> = Promise.resolve();
  let cursor: ManifestCursor | undefined;
  let writer: ManifestWriter | undefined;
  try {
    pool = acquirePool(options.concurrency ?? defaultConcurrency());
    if (options.onProgress && previous) {
      // The previous snapshot's totals, at once and without a counting pass competing with the copy
      // for the same cold metadata reads; progress never reports a total below what is done.
      progress.filesTotal = previous.trailer.files;
      progress.bytesTotal = previous.trailer.bytes;
    } else if (options.onProgress) {
      counter = acquirePool(1, 'count');
      const counted = counter.run(
        {
          kind: 'count',
          root: fdPath(source.handle.fd),
          ...(options.filter ? { filter: options.filter } : {}),
        },
        counting,
      );
      countingDone = timed(options.profile, 'count', () => counted)
        .then((totals) => {
          progress.filesTotal = totals.files;
          progress.bytesTotal = totals.bytes;
          progress.update();
        })
        .catch(() => {});
    }

    writer = new ManifestWriter(staged.manifest);
    const hash = options.hash ?? true;
    const header = manifestLine({
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      hash: hash ? 'sha256' : null,
      folder,
      createdAt: (options.now ?? new Date()).toISOString(),
      jobId: options.jobId,
    });
    await writer.write(`${header}\n`);
    await options.hooks?.at?.('header-written');
    const lines = new OrderedLines(writer);
    if (previous) cursor = new ManifestCursor(new ManifestReader(previous.manifest));

    await copyTree({
      source: source.handle,
      dest: staged.tree,
      exclude: staged.exclude,
      filter: PathFilter.of(options.filter),
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
    const tally = await timed(options.profile, 'manifest', async () => {
      await lines.flushed();
      const t = { ...finalTally(counters), durationMs: Math.round(performance.now() - started) };
      await manifestWriter.write(`${manifestLine({ end: true, ...t })}\n`);
      await manifestWriter.close();
      return t;
    });
    writer = undefined;
    if (options.signal?.aborted) throw options.signal.reason;
    return tally;
  } finally {
    writer?.destroy();
    cursor?.dispose();
    counting.cancel();
    // No task of this backup outlives it: the counting thread stops at its next check.
    await countingDone;
    if (pool) releasePool(pool);
    if (counter) releasePool(counter);
  }
}
