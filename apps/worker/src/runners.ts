import type { Config } from '@strongbox/config';
import type {
  BackupJob,
  CheckJob,
  Job,
  JobKind,
  JobOf,
  JobProgress,
  PruneJob,
  RestoreJob,
  ResultOf,
  VerifyJob,
} from '@strongbox/contract';
import { checkCatalog, type Db, getJob, type JobSuccess, latestSnapshot, pruneCatalog } from '@strongbox/db';
import { type BackupOptions, EngineError } from '@strongbox/engine';
import type { PruneOptions } from '@strongbox/engine/object';
import { readBackupPolicy } from './applied-policy.js';
import { repositoryOf } from './repository.js';

export interface RunContext {
  config: Config;
  db: Db;
  signal: AbortSignal;
  onProgress: (progress: JobProgress) => void;
  /**
   * The fence of the job's lease. For a backup: checks, right before its snapshot is renamed into
   * place, that it may still be; for a prune: before each pack it deletes.
   */
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
  check: runCheckJob,
  prune: pruneRunner(),
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

/**
 * The backup runner; tests give it the engine's seams (`hooks`), to stop a backup at a known point.
 * It reads the folder's policy as the backup starts, hands its filter to the engine, and records it
 * in the result (`result.policy`), whose retention rules the worker then applies.
 */
export function backupRunner(hooks?: BackupOptions['hooks']): Runner<'backup'> {
  return async (job: BackupJob, context: RunContext): Promise<ResultOf<'backup'>> => {
    const { policy, record } = await readBackupPolicy(context.db, job.folder);
    const result = await repositoryOf(context.config, context.db).backup(job.folder, {
      sourceRoot: context.config.sourceRoot,
      jobId: job.id,
      filter: policy,
      // The object repository would otherwise open every snapshot object to find it.
      ...(context.config.repository.kind === 'object'
        ? { previous: (await latestSnapshot(context.db, job.folder))?.snapshot ?? null }
        : {}),
      signal: context.signal,
      onProgress: context.onProgress,
      ...(context.beforeCommit ? { beforeCommit: context.beforeCommit } : {}),
      ...(hooks ? { hooks } : {}),
    });
    return { ...result, policy: record };
  };
}

/**
 * The prune runner (docs/repository.md, "Maintenance"): the object repository's prune with the
 * catalog of this database; tests give it the engine's seams (`hooks`), to stop it at a known point.
 * A deployment on the local tree has nothing to prune: NOT_OBJECT_REPOSITORY.
 */
export function pruneRunner(hooks?: PruneOptions['hooks']): Runner<'prune'> {
  return async (_job: PruneJob, context: RunContext): Promise<ResultOf<'prune'>> => {
    const repository = await repositoryOf(context.config, context.db).objectRepository();
    if (!repository) {
      throw new EngineError(
        'NOT_OBJECT_REPOSITORY',
        'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): there is no object repository to prune',
      );
    }
    return repository.prune(pruneCatalog(context.db, await repository.repositoryId()), {
      signal: context.signal,
      ...(context.beforeCommit ? { fence: context.beforeCommit } : {}),
      ...(hooks ? { hooks } : {}),
    });
  };
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

/**
 * Checks the object repository against the catalog (docs/repository.md, "Maintenance"). A check
 * that finds damage fails with REPOSITORY_DAMAGED, its result kept on the failed job
 * ({@link checkResultOf}); one that finds only notices (orphan packs, packs not recorded yet) succeeds.
 */
async function runCheckJob(job: CheckJob, context: RunContext): Promise<ResultOf<'check'>> {
  const started = performance.now();
  const object = await repositoryOf(context.config, context.db).objectRepository();
  if (!object) {
    throw new EngineError(
      'UNKNOWN_LAYOUT',
      'This worker keeps its snapshots in the local tree (REPOSITORY_URL is unset): there is no object repository to check',
    );
  }
  const { readData } = job.params;
  const report = await object.check({
    catalog: checkCatalog(context.db, await object.repositoryId()),
    readData: typeof readData === 'number' ? { subset: readData } : readData,
    signal: context.signal,
  });
  const result: ResultOf<'check'> = {
    ...report,
    readData,
    durationMs: Math.round(performance.now() - started),
  };
  if (!result.ok) {
    throw new EngineError('REPOSITORY_DAMAGED', damageSummary(result), { details: { checkResult: result } });
  }
  return result;
}

/** The message of a check that found damage: how many findings of each code, and the snapshots they affect. */
function damageSummary(result: ResultOf<'check'>): string {
  const byCode = new Map<string, number>();
  const affected = new Set<string>();
  for (const finding of result.findings.filter(({ damage }) => damage)) {
    byCode.set(finding.code, (byCode.get(finding.code) ?? 0) + 1);
    for (const snapshot of finding.snapshots) affected.add(snapshot);
  }
  const codes = [...byCode].map(([code, n]) => `${n} ${code}`).join(', ');
  const snapshots = [...affected].sort();
  const shown = snapshots.slice(0, 10).join(', ');
  const more = snapshots.length > 10 ? ` and ${snapshots.length - 10} more` : '';
  return `The check found damage (${codes}); snapshots affected: ${shown || 'none'}${more}. The job's result lists every finding`;
}

/** The result a failed check keeps: what it found, carried by its REPOSITORY_DAMAGED error. */
export function checkResultOf(error: unknown): ResultOf<'check'> | undefined {
  if (!(error instanceof EngineError) || error.code !== 'REPOSITORY_DAMAGED') return undefined;
  const details = error.details as { checkResult?: ResultOf<'check'> } | undefined;
  return details?.checkResult;
}
