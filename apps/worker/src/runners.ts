import type { Config } from '@strongbox/config';
import type {
  BackupJob,
  Job,
  JobKind,
  JobOf,
  JobProgress,
  RestoreJob,
  ResultOf,
  VerifyJob,
} from '@strongbox/contract';
import { type Db, getJob, type JobSuccess, latestSnapshot } from '@strongbox/db';
import { type BackupOptions, EngineError } from '@strongbox/engine';
import { repositoryOf } from './repository.js';

export interface RunContext {
  config: Config;
  db: Db;
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  /** For a backup: checks, right before its snapshot is renamed into place, that it may still be. */
  beforeCommit?: () => Promise<void>;
}

/** Does the work of one job of kind `K`; throws an EngineError (or worse) when it cannot. */
export type Runner<K extends JobKind> = (job: JobOf<K>, context: RunContext) => Promise<ResultOf<K>>;

/** One runner per kind: a kind added to the contract without its runner does not compile. */
export type Runners = { [K in JobKind]: Runner<K> };

export const RUNNERS: Runners = {
  backup: backupRunner(),
  verify: runVerifyJob,
  restore: runRestoreJob,
};

/** Runs a job with the runner of its kind, and answers its success as `finishJob` records it. */
export async function runJob(job: Job, context: RunContext, runners: Runners = RUNNERS): Promise<JobSuccess> {
  return runAs(job.kind, job, context, runners);
}

// TypeScript cannot follow that `job` and `runners[kind]` go together; the contract's union does.
async function runAs<K extends JobKind>(
  kind: K,
  job: Job,
  context: RunContext,
  runners: Runners,
): Promise<JobSuccess> {
  const runner = runners[kind] as Runner<K>;
  const result = await runner(job as JobOf<K>, context);
  return { status: 'succeeded', kind, result } as JobSuccess;
}

/** The backup runner; tests give it the engine's seams (`hooks`), to stop a backup at a known point. */
export function backupRunner(hooks?: BackupOptions['hooks']): Runner<'backup'> {
  return async (job: BackupJob, context: RunContext): Promise<ResultOf<'backup'>> =>
    repositoryOf(context.config, context.db).backup(job.folder, {
      sourceRoot: context.config.sourceRoot,
      jobId: job.id,
      // The object repository would otherwise open every snapshot object to find it.
      ...(context.config.repository.kind === 'object'
        ? { previous: (await latestSnapshot(context.db, job.folder))?.snapshot ?? null }
        : {}),
      signal: context.signal,
      onProgress: context.onProgress,
      ...(context.beforeCommit ? { beforeCommit: context.beforeCommit } : {}),
      ...(hooks ? { hooks } : {}),
    });
}

async function runVerifyJob(job: VerifyJob, context: RunContext): Promise<ResultOf<'verify'>> {
  const snapshot = await snapshotOf(context.db, job.params.backupId);
  const verified = await repositoryOf(context.config, context.db).verify(snapshot, {
    signal: context.signal,
    onProgress: context.onProgress,
  });
  return { snapshot, ...verified };
}

async function runRestoreJob(job: RestoreJob, context: RunContext): Promise<ResultOf<'restore'>> {
  const snapshot = await snapshotOf(context.db, job.params.backupId);
  const { target, path } = job.params;
  const restored = await repositoryOf(context.config, context.db).restore(snapshot, {
    sourceRoot: context.config.sourceRoot,
    target,
    ...(path === undefined ? {} : { path }),
    signal: context.signal,
    onProgress: context.onProgress,
  });
  return { snapshot, path: path ?? null, ...restored };
}

/** The snapshot a verify or restore job reads: its backup's, if that backup still has one. */
async function snapshotOf(db: Db, backupId: string): Promise<string> {
  const backup = await getJob(db, backupId);
  if (backup?.kind !== 'backup' || backup.status !== 'succeeded' || backup.result === null) {
    throw new EngineError('NO_SUCH_SNAPSHOT', `Backup ${backupId} has no snapshot to read`);
  }
  if (backup.prunedAt) {
    throw new EngineError(
      'NO_SUCH_SNAPSHOT',
      `The snapshot of backup ${backup.id} was pruned at ${backup.prunedAt}`,
    );
  }
  return backup.result.snapshot;
}
