import type { Config } from '@strongbox/config';
import { type Db, finishJob, getJob, type JobError, startJob, updateProgress } from '@strongbox/db';
import { EngineError } from '@strongbox/engine';
import { type JobData, jobDataSchema } from '@strongbox/queue';
import { DelayedError, type Job as QueueJob, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type FolderLock, tryLockFolder } from './folder-lock.js';
import { createProgressReporter } from './progress-reporter.js';
import { applyRetentionAfter } from './retention.js';
import { runKind } from './run-kind.js';

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
}

/**
 * The BullMQ processor: runs one job and records how it ended. MySQL decides whether there is
 * anything to do (a cancelled or ended job is skipped), and every end is recorded there, with
 * its log row, before BullMQ hears of it.
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

    const job = await getJob(deps.db, id);
    if (!job || (job.status !== 'queued' && job.status !== 'running')) {
      log.info({ status: job?.status ?? 'unknown' }, 'job is not active; nothing to do');
      return { skipped: true };
    }

    let lock: FolderLock | null = null;
    if (job.kind === 'backup') {
      lock = await tryLockFolder(deps.db, deps.database, job.folder);
      if (!lock) {
        log.info({ folder: job.folder }, 'another backup of this folder is running; waiting for it');
        await queueJob.moveToDelayed(Date.now() + (deps.folderBusyDelayMs ?? 2000), token);
        throw new DelayedError();
      }
    }
    try {
      const running = await startJob(deps.db, id, deps.workerName);
      if (!running) return { skipped: true };
      log.info({ kind: running.kind, folder: running.folder }, 'job started');

      const reporter = createProgressReporter({
        write: async (progress) => {
          await updateProgress(deps.db, id, progress);
          await queueJob.updateProgress({ ...progress });
        },
        onError: (error) => log.warn({ err: error }, 'could not record progress'),
      });
      const abort = signal ?? new AbortController().signal;
      try {
        const outcome = await runKind(running, {
          config: deps.config,
          db: deps.db,
          signal: abort,
          onProgress: reporter.report,
        });
        await reporter.settle();
        await finishJob(deps.db, id, outcome);
        log.info({ result: outcome.result }, 'job succeeded');
        if (running.kind === 'backup') await applyRetentionAfter(deps, running.folder, log);
        return outcome.result;
      } catch (error) {
        await reporter.settle();
        throw await recordFailure(deps, queueJob, error, log);
      }
    } finally {
      await lock?.release();
    }
  };
}

/**
 * Records a failure that no retry will mend, and answers what to throw to BullMQ: an
 * UnrecoverableError when the job has ended, the error itself when BullMQ should retry.
 */
async function recordFailure(
  deps: ProcessorDeps,
  queueJob: QueueJob<JobData>,
  error: unknown,
  log: Logger,
): Promise<Error> {
  const failure = describeFailure(error);
  const attempts = queueJob.opts.attempts ?? 1;
  const lastAttempt = queueJob.attemptsMade + 1 >= attempts;
  if (failure.transient && !lastAttempt) {
    log.warn({ err: error, code: failure.code }, 'job failed; it will be retried');
    return error instanceof Error ? error : new Error(failure.message);
  }
  await finishJob(deps.db, queueJob.data.id, {
    status: 'failed',
    error: { code: failure.code, message: failure.message },
  });
  log.warn({ err: error, code: failure.code }, 'job failed');
  return new UnrecoverableError(`${failure.code}: ${failure.message}`);
}

/** The code and message recorded for an error, and whether another attempt may succeed. */
export function describeFailure(error: unknown): JobError & { transient: boolean } {
  if (error instanceof EngineError)
    return { code: error.code, message: error.message, transient: error.transient };
  if (error instanceof Error && error.name === 'AbortError') {
    return { code: 'INTERRUPTED', message: 'The worker stopped while the job ran', transient: true };
  }
  // Anything else (lost database connection, a bug) is worth another try; its details go to the
  // worker's log, not to clients.
  return { code: 'INTERNAL', message: 'The job failed unexpectedly; see the worker log', transient: true };
}
