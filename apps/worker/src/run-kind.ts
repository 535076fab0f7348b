import type { Config } from '@strongbox/config';
import { type Db, getJob, type Job, type JobOutcome, type JobProgress } from '@strongbox/db';
import { EngineError, restoreSnapshot, runBackup, verifySnapshot } from '@strongbox/engine';

export interface RunContext {
  config: Config;
  db: Db;
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
}

export type Success = Extract<JobOutcome, { status: 'succeeded' }>;

/** Does the work of one job of any kind; throws an EngineError (or worse) when it cannot. */
export async function runKind(job: Job, context: RunContext): Promise<Success> {
  if (job.kind === 'backup') return runBackupJob(job, context);
  const snapshot = await snapshotOf(context.db, job);
  const common = {
    backupFolder: context.config.backupFolder,
    snapshot,
    signal: context.signal,
    onProgress: context.onProgress,
  };
  if (job.kind === 'verify') {
    const verified = await verifySnapshot(common);
    return succeeded({ snapshot, ...verified }, verified);
  }
  const target = job.params?.target;
  if (!target) throw new EngineError('INVALID_FOLDER', `Restore job ${job.id} has no target`);
  const restored = await restoreSnapshot({
    ...common,
    sourceRoot: context.config.sourceRoot,
    target,
    ...(job.params?.path ? { path: job.params.path } : {}),
  });
  return succeeded({ snapshot, path: job.params?.path ?? null, ...restored }, restored);
}

async function runBackupJob(job: Job, context: RunContext): Promise<Success> {
  const result = await runBackup({
    sourceRoot: context.config.sourceRoot,
    backupFolder: context.config.backupFolder,
    folder: job.folder,
    jobId: job.id,
    signal: context.signal,
    onProgress: context.onProgress,
  });
  return {
    ...succeeded({ ...result }, result),
    snapshot: result.snapshot,
    filesCopied: result.copiedFiles,
    bytesCopied: result.copiedBytes,
  };
}

function succeeded(result: Record<string, unknown>, totals: { files: number; bytes: number }): Success {
  return {
    status: 'succeeded',
    result,
    progress: {
      filesDone: totals.files,
      filesTotal: totals.files,
      bytesDone: totals.bytes,
      bytesTotal: totals.bytes,
    },
  };
}

/** The snapshot a verify or restore job reads: its backup's, if that backup still has one. */
async function snapshotOf(db: Db, job: Job): Promise<string> {
  const backupId = job.params?.backupId;
  const backup = backupId ? await getJob(db, backupId) : null;
  const snapshot = backup?.result?.snapshot;
  if (backup?.status !== 'succeeded' || typeof snapshot !== 'string') {
    throw new EngineError('NO_SUCH_SNAPSHOT', `Backup ${backupId ?? '(none)'} has no snapshot to read`);
  }
  if (backup.prunedAt) {
    throw new EngineError(
      'NO_SUCH_SNAPSHOT',
      `The snapshot of backup ${backup.id} was pruned at ${backup.prunedAt}`,
    );
  }
  return snapshot;
}
