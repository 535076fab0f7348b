import { isEnded } from '../api/types.js';
import { describeJob } from '../output/describe-job.js';
import type { Io } from '../output/io.js';
import { type Reporter, writeNotice } from './reporter.js';

/**
 * Not a terminal: one plain line per state change while the job has not ended (the command
 * prints the last line, to stdout or stderr by how it ended).
 */
export function plainReporter(io: Io): Reporter {
  let shown: string | undefined;
  return {
    update(job) {
      if (job.status === shown || isEnded(job)) return;
      shown = job.status;
      io.stdout.write(`${describeJob(job)}\n`);
    },
    notice(message) {
      writeNotice(io, message);
    },
    stop() {},
  };
}
