import { type Db, finishJob, listActiveJobs } from '@strongbox/db';
import { enqueue, type StrongboxQueue } from '@strongbox/queue';
import type { Logger } from 'pino';

/** Options for {@link reconcile}. */
export interface ReconcileOptions {
  db: Db;
  queue: StrongboxQueue;
  logger: Logger;
  /**
   * Jobs younger than this many seconds are left alone: the API may not have enqueued them yet.
   * @defaultValue 5
   */
  graceSeconds?: number;
}

export interface ReconcileReport {
  requeued: string[];
  lost: string[];
}

/**
 * Makes Redis agree with MySQL, the source of truth. A job MySQL says is queued or running but
 * that the queue does not hold (Redis lost its data, or the API could not reach it) is added
 * again; its id makes that idempotent. A job the queue has already given up on while MySQL
 * still calls it active (its worker died more often than the queue allows) is recorded as failed.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { requeued: [], lost: [] };
  for (const active of await listActiveJobs(options.db, options.graceSeconds ?? 5)) {
    const queued = await options.queue.getJob(active.id);
    if (!queued) {
      await enqueue(options.queue, active);
      report.requeued.push(active.id);
      continue;
    }
    const state = await queued.getState();
    if (state === 'failed' || state === 'completed') {
      const ended = await finishJob(options.db, active.id, {
        status: 'failed',
        error: { code: 'WORKER_LOST', message: 'The workers running this job stopped before it ended' },
      });
      if (ended) report.lost.push(active.id);
    }
  }
  if (report.requeued.length || report.lost.length)
    options.logger.warn(report, 'reconciled jobs with the queue');
  return report;
}

/** Runs {@link reconcile} now and then every `intervalMs`, until the returned stop is called. */
export function startReconciler(options: ReconcileOptions & { intervalMs: number }): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = reconcile(options)
      .catch((error) =>
        options.logger.warn({ err: error }, 'reconciling with the queue failed; trying again later'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
