import type { Config } from '@strongbox/config';
import { isTerminal, type Job } from '@strongbox/contract';
import {
  type Db,
  finishJob,
  getJob,
  type JobOutcome,
  REPOSITORY_LEASE_KEY,
  startJob,
  updateProgress,
} from '@strongbox/db';
import { type JobData, jobDataSchema } from '@strongbox/queue';
import { DelayedError, type Job as QueueJob, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { waitOutOutage } from './db-outage.js';
import { afterFailure, describeFailure } from './failure.js';
import {
  type FolderLock,
  FolderLockLostError,
  type FolderLockOptions,
  tryLockFolder,
} from './folder-lock.js';
import type { Hooks } from './hooks/hooks-file.js';
import { withHooks } from './hooks/run-hook.js';
import { createProgressReporter } from './progress-reporter.js';
import { queueError } from './queue-failure.js';
import { applyRetentionAfter } from './retention.js';
import { checkResultOf, RUNNERS, type Runners, runJob } from './runners.js';
import { type JobEndNotifier, NO_NOTIFIER } from './webhooks/notify.js';

export interface ProcessorDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** `host:pid` of this worker process. */
  workerName: string;
  /**
   * Milliseconds a backup waits before it looks again when another backup of its folder runs.
   * @defaultValue 2000
   */
  folderBusyDelayMs?: number;
  /** How long a folder's lease lasts and how often it is renewed. */
  folderLock?: FolderLockOptions;
  /**
   * The work of each kind of job.
   * @defaultValue {@link RUNNERS}, the engine's backup, verify and restore
   */
  runners?: Runners;
  /** The command hooks of HOOKS_FILE, run around the backups of the folders they name. */
  hooks?: Hooks | undefined;
  /** Told of each job whose end this processor records, for its webhooks. @defaultValue nobody */
  notifier?: JobEndNotifier;
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
    const jobLog = deps.logger.child({ jobId: id });
    // Until MySQL has answered how many attempts it counts, the queue's count (which a job handed
    // on after its worker stalled does not include).
    const attempt: Attempt = {
      deps,
      queueJob,
      token,
      signal,
      log: jobLog.child({ attempt: queueJob.attemptsMade + 1 }),
      attemptIs: (n) => {
        attempt.log = jobLog.child({ attempt: n });
      },
      db: (what, work) =>
        waitOutOutage(work, {
          toleranceMs: deps.config.dbOutageToleranceSeconds * 1000,
          signal,
          log: attempt.log,
          what,
        }),
    };
    try {
      return await runAttempt(attempt);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      throw await recordFailure(deps, queueJob, error, attempt.log, attempt.db);
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
  /** The job's log, its `attempt` the number MySQL gives this attempt once MySQL has said it. */
  log: Logger;
  /** Sets the log's `attempt`. */
  attemptIs: (n: number) => void;
  db: Bookkeeping;
}

async function runAttempt(attempt: Attempt): Promise<unknown> {
  const { deps, queueJob, db } = attempt;
  const id = queueJob.data.id;
  const job = await db('looking the job up', () => getJob(deps.db, id));
  if (!job || isTerminal(job.status)) {
    attempt.log.info({ status: job?.status ?? 'unknown' }, 'job is not active; nothing to do');
    return { skipped: true };
  }
  // The attempt MySQL is about to count: after a stalled worker's job was handed on, one more
  // than the queue knows of.
  attempt.attemptIs(job.attempts + 1);

  let lock: FolderLock | null = null;
  const leased = leaseOf(job);
  if (leased) {
    lock = await tryLockFolder(deps.db, leased.key, deps.folderLock, {
      log: attempt.log,
      run: (query) => db('taking the folder lease', query),
    });
    if (!lock) {
      attempt.log.info({ [leased.name]: leased.value }, leased.busy);
      await queueJob.moveToDelayed(Date.now() + (deps.folderBusyDelayMs ?? 2000), attempt.token);
      throw new DelayedError();
    }
    attempt.log.info(
      { [leased.name]: leased.value, folderLock: 'taken', fencingToken: lock.lease.token },
      'folder lock taken',
    );
  }
  let outcome: JobOutcome & { status: 'succeeded' };
  try {
    const running = await db('recording the start of the job', () => startJob(deps.db, id, deps.workerName));
    if (!running) return { skipped: true };
    if (running.attempts !== job.attempts + 1) attempt.attemptIs(running.attempts);
    outcome = await work(attempt, running, lock);
  } finally {
    if (lock) {
      // Logged when the folder's work has ended, before the lease is let go: a record of who held
      // each folder when, with the lease's fencing token. Holds never overlap, but for one that
      // ends lost: its lease was taken over while it could not renew it, and it put nothing in place.
      const folderLock = lock.lost.aborted ? 'lost' : 'released';
      attempt.log.info(
        { [leased?.name ?? 'folder']: leased?.value, folderLock, fencingToken: lock.lease.token },
        `folder lock ${folderLock}`,
      );
      await lock.release();
    }
  }
  const ended = await db('recording the end of the job', () => finishJob(deps.db, id, outcome));
  (deps.notifier ?? NO_NOTIFIER).jobEnded(ended);
  attempt.log.info({ result: outcome.result }, 'job succeeded');
  return outcome.result;
}

/**
 * The lease a job runs under: a backup its folder's (one backup of a folder at a time), a prune the
 * repository's ({@link REPOSITORY_LEASE_KEY}: one repository-wide maintenance job at a time, across
 * every worker); verify and restore none. A job whose lease another holds waits in the queue.
 */
function leaseOf(job: Job): { key: string; name: string; value: string; busy: string } | null {
  if (job.kind === 'backup') {
    return {
      key: job.folder,
      name: 'folder',
      value: job.folder,
      busy: 'another backup of this folder is running; waiting for it',
    };
  }
  // A check takes the repository's lease too: it never runs beside a prune.
  if (job.kind === 'prune' || job.kind === 'check') {
    return {
      key: REPOSITORY_LEASE_KEY,
      name: 'lease',
      value: 'repository',
      busy: 'another maintenance job of the repository is running; waiting for it',
    };
  }
  return null;
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
  const signal = AbortSignal.any([attempt.signal, lock?.lost].filter((s) => s !== undefined));
  try {
    // A backup runs between its folder's command hooks (HOOKS_FILE), under its folder lock.
    const hooks = running.kind === 'backup' ? (deps.hooks?.forFolder(running.folder) ?? null) : null;
    const around = {
      sourceRoot: deps.config.sourceRoot,
      folder: running.folder,
      jobId: running.id,
      log,
      signal,
    };
    const success = await withHooks(hooks, around, async () => {
      const done = await runJob(
        running,
        {
          config: deps.config,
          db: deps.db,
          signal,
          onProgress: reporter.report,
          // The fence: no snapshot is put in place unless the database says the lease is still
          // this attempt's; a database out of reach is waited for, as any bookkeeping.
          ...(lock
            ? {
                beforeCommit: () =>
                  lock.assertHeld((query) => attempt.db('checking the folder lease', query)),
              }
            : {}),
        },
        deps.runners ?? RUNNERS,
      );
      // The figures the work ended with are on record while the after hook and retention run.
      await reporter.flush();
      return done;
    }).catch(async (error: unknown) => {
      // A backup that failed because its lease was taken over (its staging swept by a later
      // attempt of its own job) says so, when the database answers at once.
      if (lock && !(error instanceof FolderLockLostError)) await lock.assertHeld().catch(() => undefined);
      throw lock?.lost.aborted ? lock.lost.reason : error;
    });
    // Retention deletes snapshots of the folder: only while its lock is still held.
    if (success.kind === 'backup' && !lock?.lost.aborted) {
      await applyRetentionAfter(deps, running.folder, log, success.result.policy?.retention ?? null);
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
    const ended = await db('recording the failure of the job', () =>
      finishJob(deps.db, queueJob.data.id, {
        status: 'failed',
        error: { code: failure.code, message: failure.message },
        ...withCheckResult(error),
      }),
    );
    (deps.notifier ?? NO_NOTIFIER).jobEnded(ended);
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

function withCheckResult(error: unknown): { result?: NonNullable<ReturnType<typeof checkResultOf>> } {
  const result = checkResultOf(error);
  return result ? { result } : {};
}
