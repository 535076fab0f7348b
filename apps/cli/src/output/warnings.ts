import type { Job } from '../api/types.js';

/** What a backup that succeeded left out or noted: the API's `result.skipped` and `result.warnings`. */
export interface Warnings {
  skipped: number;
  warnings: string[];
}

/**
 * A succeeded job's warnings, or null when it has none (or is not a job that reports them).
 * Read field by field: only a backup's result has them, and an older API may not send them.
 */
export function warningsOf(job: Job): Warnings | null {
  if (job.status !== 'succeeded' || job.result === null) return null;
  const { skipped, warnings } = job.result as { skipped?: unknown; warnings?: unknown };
  const found: Warnings = {
    skipped: typeof skipped === 'number' ? skipped : 0,
    warnings: Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [],
  };
  return found.skipped > 0 || found.warnings.length > 0 ? found : null;
}
