import type { Job } from '../api/types.js';
import { describeJob } from '../output/describe-job.js';
import { formatDuration } from '../output/units.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** `--wait` ran out before the job ended. The job itself goes on. */
export class WaitTimeoutError extends CliError {
  readonly code = 'WAIT_TIMEOUT';
  readonly exitCode = ExitCode.timeout;

  constructor(job: Job, timeoutMs: number) {
    super(
      `gave up waiting after ${formatDuration(timeoutMs)}: ${describeJob(job)}; the job goes on ` +
        `(strongbox status ${job.id} --wait)`,
    );
  }
}
