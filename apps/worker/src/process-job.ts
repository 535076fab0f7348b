import type { Config } from '@strongbox/config';
import { isTerminal, type Job } from '@strongbox/contract';
import { type Db, finishJob, getJob, type JobOutcome, startJob, updateProgress } from '@strongbox/db';
import { type JobData, jobDataSchema } from '@strongbox/queue';
import { DelayedError, type Job as QueueJob, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { waitOutOutage } from './db-outage.js';
import { afterFailure, describeFailure } from './failure.js';
import { type FolderLock, type FolderLockOptions, tryLockFolder } from './folder-lock.js';
import { createProgressReporter } from './progress-reporter.js';
import { queueError } from './queue-failure.js';
import { applyRetentionAfter } from './retention.js';
import { RUNNERS, type Runners, runJob } from './runners.js';

export interface ProcessorDeps {
  config: Config;
  db: Db;
  /** The MySQL database name, for lock names. */
  database: string;
  logger: Logger;
  /** `host:pid` of this worker process. */
  workerName: string;
  /**
   * Milliseconds a backup waits before it looks again when another backup of its folder runs.
   * @defaultValue 2000
   */
  folderBusyDelayMs?: number;
  /** How the folder lock is watched. */
  folderLock?: FolderLockOptions;
  /**
   * The work of each kind of job.
   * @defaultValue {@link RUNNERS}, the engine's backup, verify and restore
   */
  runners?: Runners;
}

/**
 * The BullMQ processor: runs one job and records how it ended. MySQL decides whether there is
 * anything to do (a cancelled or ended job is skipped), and every end is recorded there, with
 * its log row, before BullMQ hears of it. Recording waits out an outage of the database
 * (DB_OUTAGE_TOLERANCE_SECONDS) instead of spending the job's attempts; every failed attempt is
 * logged with its reason.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async function processJob(
    queueJob: QueueJob<JobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const parsed = jobDataSchema.safeParse(queueJob.data);
    if (!parsed.success) throw new UnrecoverableError(`Malformed job data: ${parsed.error.message}`);
    const { id } = parsed.data;
    const log = deps.logger.child({ jobId: id, attempt: queueJob.attemptsMade + 1 });
    const db = <T>(what: string, work: () => Promise<T>) =>
      waitOutOutage(work, { toleranceMs: deps.config.dbOutageToleranceSeconds * 1000, signal, log, what });
    try {
      return await runAttempt({ deps, queueJob, token, signal, log, db });
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      throw await recordFailure(deps, queueJob, error, log, db);
    }
  };
}

/** Runs a piece of the job's bookkeeping, waiting out a database outage. */
type Bookkeeping = <T>(what: string, work: () => Promise<T>) => Promise<T>;

interface Attempt {
  deps: ProcessorDeps;
  queueJob: QueueJob<JobData>;
  token: string | undefined;
  signal: AbortSignal | undefined;
  log: Logger;
  db: Bookkeeping;
}

async function runAttempt(attempt: Attempt): Promise<unknown> {
  const { deps, queueJob, log, db } = attempt;
  const id = queueJob.data.id;
  const job = await db('looking the job up', () => getJob(deps.db, id));
  if (!job || isTerminal(job.status)) {
    log.info({ status: job?.status ?? 'unknown' }, 'job is not active; nothing to do');
    return { skipped: true };
  }

  let lock: FolderLock | null = null;
  if (job.kind === 'backup') {
    lock = await db('taking the folder lock', () =>
      tryLockFolder(deps.db, deps.database, job.folder, deps.folderLock),
    );
    if (!lock) {
      log.info({ folder: job.folder }, 'another backup of this folder is running; waiting for it');
      await queueJob.moveToDelayed(Date.now() + (deps.folderBusyDelayMs ?? 2000), attempt.token);
      throw new DelayedError();
    }
    log.info({ folder: job.folder, folderLock: 'taken' }, 'folder lock taken');
  }
  let outcome: JobOutcome & { status: 'succeeded' };
  try {
    const running = await db('recording the start of the job', () => startJob(deps.db, id, deps.workerName));
    if (!running) return { skipped: true };
    outcome = await work(attempt, running, lock);
  } finally {
    if (lock) {
      // Logged when the folder's work has ended, before the lock is let go: a record of who held
      // each folder when, which never overlaps another's.
      const folderLock = lock.lost.aborted ? 'lost' : 'released';
      log.info({ folder: job.folder, folderLock }, `folder lock ${folderLock}`);
      await lock.release();
    }
  }
  await db('recording the end of the job', () => finishJob(deps.db, id, outcome));
  log.info({ result: outcome.result }, 'job succeeded');
  return outcome.result;
}

/** The job's own work, under its folder lock for a backup, then retention. */
async function work(
  attempt: Attempt,
  running: Job,
  lock: FolderLock | null,
): Promise<JobOutcome & { status: 'succeeded' }> {
  const { deps, queueJob, log } = attempt;
  log.info({ kind: running.kind, folder: running.folder }, 'job started');
  const reporter = createProgressReporter({
    write: async (progress) => {
      await updateProgress(deps.db, running.id, progress);
      await queueJob.updateProgress({ ...progress });
    },
    onError: (error) => log.warn({ err: error }, 'could not record progress'),
  });
  const signals = [attempt.signal, lock?.lost].filter((s) => s !== undefined);
  try {
    const success = await runJob(
      running,
      {
        config: deps.config,
        db: deps.db,
        signal: AbortSignal.any(signals),
        onProgress: reporter.report,
        ...(lock ? { beforeCommit: () => lock.assertHeld() } : {}),
      },
      deps.runners ?? RUNNERS,
    );
    // Retention deletes snapshots of the folder: only while its lock is still held.
    if (running.kind === 'backup' && !lock?.lost.aborted) {
      await applyRetentionAfter(deps, running.folder, log);
    }
    return success;
  } finally {
    await reporter.settle();
  }
}

/**
 * Logs a failed attempt with its reason (the error in full), records a failure that no retry will
 * mend, and answers what to throw to BullMQ, never the error itself, whose message may hold
 * absolute paths: `CODE: message` ({@link queueError}), an UnrecoverableError when the job has
 * ended, a plain Error when BullMQ should retry.
 */
async function recordFailure(
  deps: ProcessorDeps,
  queueJob: QueueJob<JobData>,
  error: unknown,
  log: Logger,
  db: Bookkeeping,
): Promise<Error> {
  const failure = describeFailure(error);
  if (afterFailure(failure, queueJob.attemptsMade, queueJob.opts.attempts ?? 1) === 'retry') {
    log.warn({ err: error, code: failure.code }, 'job failed; it will be retried');
    return queueError(failure, error, false);
  }
  try {
    await db('recording the failure of the job', () =>
      finishJob(deps.db, queueJob.data.id, {
        status: 'failed',
        error: { code: failure.code, message: failure.message },
      }),
    );
  } catch (cause) {
    log.error(
      { err: cause, failure: error, code: failure.code },
      'job failed on its last attempt, and its failure could not be recorded; the reconciler will',
    );
    // Not final: BullMQ tries again while the job has attempts left.
    return queueError(failure, cause, false);
  }
  log.warn({ err: error, code: failure.code }, 'job failed');
  return queueError(failure, error, true);
}
