import type { JobProgress } from '@strongbox/contract';

/** Options for {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Writes one progress update (to MySQL and to the queue). */
  write: (progress: JobProgress) => Promise<void>;
  /** Told when a write fails; progress is best-effort and never fails the job. */
  onError: (error: unknown) => void;
  /**
   * Milliseconds between two writes at least.
   * @defaultValue 1000
   */
  intervalMs?: number;
}

/**
 * Turns the engine's frequent progress calls into at most one write per interval, never two
 * writes at once, always the latest figures.
 */
export function createProgressReporter(options: ProgressReporterOptions) {
  const intervalMs = options.intervalMs ?? 1000;
  let lastWrite = 0;
  let pending: JobProgress | null = null;
  let writing: Promise<void> | null = null;

  const flush = async (): Promise<void> => {
    while (pending) {
      const progress = pending;
      pending = null;
      lastWrite = Date.now();
      await options.write(progress).catch(options.onError);
    }
  };

  return {
    report(progress: JobProgress): void {
      pending = { ...progress };
      if (writing || Date.now() - lastWrite < intervalMs) return;
      writing = flush().finally(() => {
        writing = null;
      });
    },
    /**
     * Writes the latest figures now, interval or not, once the write under way has ended: the
     * figures the job's work ended with are on record while what follows it runs (an after hook,
     * retention), not the ones of up to an interval before.
     */
    async flush(): Promise<void> {
      // A report may start a write while this waits: wait for that one too, never write beside it.
      while (writing) await writing;
      if (!pending) return;
      writing = flush().finally(() => {
        writing = null;
      });
      await writing;
    },
    /** Waits for the write under way, dropping figures not yet written (the final state follows). */
    async settle(): Promise<void> {
      pending = null;
      await writing;
    },
  };
}
