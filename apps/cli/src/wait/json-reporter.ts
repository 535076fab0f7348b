import type { Io } from '../output/io.js';
import { writeJson } from '../output/write-json.js';
import { type Reporter, writeNotice } from './reporter.js';

/** How often `--json --wait` prints a running job's answer, for a script to follow its progress. */
export const JSON_PROGRESS_INTERVAL_MS = 1_000;

/**
 * `--json`: the API's answer each time the job's status changed, the last one included, and while
 * it runs, its answer again every {@link JSON_PROGRESS_INTERVAL_MS} (progress, worker), as a
 * status line of a backup tool would: a script reads one job object per line whatever it is.
 */
export function jsonReporter(io: Io): Reporter {
  let shown: { status: string; at: number } | undefined;
  return {
    update(job, at) {
      const due =
        job.status === 'running' && shown !== undefined && at - shown.at >= JSON_PROGRESS_INTERVAL_MS;
      if (job.status === shown?.status && !due) return;
      shown = { status: job.status, at };
      writeJson(io, job);
    },
    notice(message) {
      writeNotice(io, message);
    },
    stop() {},
  };
}
