import type { Job } from '@strongbox/contract';
import { type Db, listActiveJobs } from '@strongbox/db';
import { enqueue, type StrongboxQueue, type TickQueue } from '@strongbox/queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { recordLostJob } from './lost-job.js';
import { every } from './periodic.js';
import { type ScheduleSyncReport, syncSchedules } from './schedules/sync-schedules.js';

/** Options for {@link reconcile}. */
export interface ReconcileOptions {
  db: Db;
  queue: StrongboxQueue;
  logger: Logger;
  /**
   * Jobs younger than this many seconds are left alone.
   * @defaultValue 0: none needs to be. A job the API has recorded but not yet enqueued may be added
   * here first; the API's own add is then a no-op (the job id is the queue's job id), and a job
   * added twice runs once, since the worker asks MySQL first. A job the queue has finished or failed
   * was recorded in MySQL before that (an end is recorded before BullMQ hears of it), so finding it
   * still active there means it is lost, whatever its age.
   */
  graceSeconds?: number;
  /** The queue of schedule ticks: when given, its job schedulers are made to agree with MySQL too. */
  ticks?: TickQueue;
  /** Told of each job recorded here as lost (failed), for its webhooks. */
  onEnded?: (job: Job) => void;
}

export interface ReconcileReport {
  requeued: string[];
  lost: string[];
  schedules?: ScheduleSyncReport;
}

/**
 * Makes Redis agree with MySQL, the source of truth. A job MySQL says is queued or running but
 * that the queue does not hold (Redis lost its data, or the API could not reach it) is added
 * again; its id makes that idempotent. A job the queue has already given up on while MySQL
 * still calls it active (its worker died more often than the queue allows) is recorded as failed.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { requeued: [], lost: [] };
  for (const active of await listActiveJobs(options.db, options.graceSeconds ?? 0)) {
    const queued = await options.queue.getJob(active.id);
    if (!queued) {
      await enqueue(options.queue, active);
      report.requeued.push(active.id);
      continue;
    }
    const state = await queued.getState();
    if (state === 'failed' || state === 'completed') {
      const ended = await recordLostJob(options.db, active.id);
      if (ended) {
        report.lost.push(active.id);
        options.onEnded?.(ended);
      }
    }
  }
  if (report.requeued.length || report.lost.length)
    options.logger.warn(report, 'reconciled jobs with the queue');
  if (options.ticks) report.schedules = await syncSchedules(options.db, options.ticks, options.logger);
  return report;
}

/**
 * Runs {@link reconcile} now, then every `intervalMs` (the safety net), and at once whenever the
 * queue's Redis connection is ready again after it was lost: jobs accepted while Redis was down, or
 * lost with its data, are back in the queue moments after Redis is. Answers the stop, with
 * `first`: the pass run now has ended.
 */
export function startReconciler(
  options: ReconcileOptions & { intervalMs: number; connection: Redis },
): (() => Promise<void>) & { first: Promise<void> } {
  const periodic = every(options.intervalMs, () =>
    reconcile(options).catch((error: unknown) =>
      options.logger.warn({ err: error }, 'reconciling with the queue failed; trying again later'),
    ),
  );
  let lost = false;
  const onClose = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    options.logger.info('Redis is back; reconciling with the queue now');
    periodic.now();
  };
  options.connection.on('close', onClose);
  options.connection.on('ready', onReady);
  const stop = async () => {
    options.connection.off('close', onClose);
    options.connection.off('ready', onReady);
    await periodic();
  };
  return Object.assign(stop, { first: periodic.first });
}
