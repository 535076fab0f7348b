import type { Io } from '../output/io.js';
import { writeJson } from '../output/write-json.js';
import type { Reporter } from './reporter.js';

/** `--json`: the API's answer each time the job's status changed, the last one included. */
export function jsonReporter(io: Io): Reporter {
  let shown: string | undefined;
  return {
    update(job) {
      if (job.status === shown) return;
      shown = job.status;
      writeJson(io, job);
    },
    stop() {},
  };
}
