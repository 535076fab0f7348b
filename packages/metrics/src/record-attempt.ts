import { backupResultSchema, jobKindSchema } from '@strongbox/contract';
import type { AttemptOutcome, JobMetrics } from './job-metrics.js';

/** What the metrics read of a BullMQ job that has just ended an attempt. */
export interface EndedAttempt {
  /** The job name, which is its kind. */
  name: string;
  processedOn?: number | null;
  finishedOn?: number | null;
}

/**
 * Records one ended attempt: its duration by kind and outcome and, for a backup that succeeded,
 * what it copied and linked. A result `{ skipped: true }` (MySQL had already ended the job) is not
 * an attempt; jobs of other names (not Strongbox's) are left out.
 */
export function recordAttempt(
  metrics: JobMetrics,
  job: EndedAttempt,
  outcome: AttemptOutcome,
  result?: unknown,
): void {
  const kind = jobKindSchema.safeParse(job.name);
  if (!kind.success || (result as { skipped?: boolean } | null | undefined)?.skipped) return;
  const started = job.processedOn ?? Date.now();
  metrics.observeAttempt(kind.data, outcome, Math.max(0, (job.finishedOn ?? Date.now()) - started) / 1000);
  if (outcome !== 'succeeded' || kind.data !== 'backup') return;
  const backup = backupResultSchema.safeParse(result);
  if (backup.success) metrics.countBackup(backup.data);
}
