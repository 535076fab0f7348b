import { type JobMetrics, recordAttempt } from '@strongbox/metrics';
import type { Worker } from 'bullmq';

/**
 * Feeds the job metrics from the BullMQ worker's events, so that the processor needs to know
 * nothing of them: each attempt this worker ran, by kind and outcome, and what each successful
 * backup copied and linked.
 */
export function observeJobs(worker: Worker, metrics: JobMetrics): void {
  worker.on('completed', (job, result: unknown) => recordAttempt(metrics, job, 'succeeded', result));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const again = error.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    recordAttempt(metrics, job, again ? 'retried' : 'failed');
  });
}
