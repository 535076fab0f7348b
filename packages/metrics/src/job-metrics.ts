import type { BackupResult, JobKind } from '@strongbox/contract';
import { Counter, Histogram, type Registry } from 'prom-client';

/** How one attempt at a job ended, as the metrics count it. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'retried';

/** What a worker records about the jobs it runs. */
export interface JobMetrics {
  /** One attempt at a job of `kind` took `seconds` and ended so. */
  observeAttempt(kind: JobKind, outcome: AttemptOutcome, seconds: number): void;
  /** What a successful backup copied and hard-linked. */
  countBackup(result: Pick<BackupResult, 'copiedFiles' | 'copiedBytes' | 'linkedFiles' | 'bytes'>): void;
}

/** Buckets from 50 ms to about 3 hours: a tiny folder to a large first backup. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 10_800];

export function createJobMetrics(registry: Registry): JobMetrics {
  const duration = new Histogram({
    name: 'strongbox_job_duration_seconds',
    help: 'How long one attempt at a job took, by kind and outcome (retried: failed, another attempt follows)',
    labelNames: ['kind', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const files = new Counter({
    name: 'strongbox_backup_files_total',
    help: 'Files put into snapshots by successful backups: copied (read and written) or linked (unchanged, hard-linked)',
    labelNames: ['how'],
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'strongbox_backup_bytes_total',
    help: 'Bytes of regular files put into snapshots by successful backups: copied or linked',
    labelNames: ['how'],
    registers: [registry],
  });
  // Every series exists from the start, at 0, so that rate() and increase() see the first job.
  for (const how of ['copied', 'linked']) {
    files.inc({ how }, 0);
    bytes.inc({ how }, 0);
  }
  return {
    observeAttempt(kind, outcome, seconds) {
      duration.observe({ kind, outcome }, seconds);
    },
    countBackup(result) {
      files.inc({ how: 'copied' }, result.copiedFiles);
      files.inc({ how: 'linked' }, result.linkedFiles);
      bytes.inc({ how: 'copied' }, result.copiedBytes);
      bytes.inc({ how: 'linked' }, Math.max(0, result.bytes - result.copiedBytes));
    },
  };
}
