import type { Job } from '../api/types.js';
import { describeJob } from '../output/describe-job.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** The job ended as failed or cancelled. The message is the job's line, with its error code and message. */
export class JobFailedError extends CliError {
  readonly code = 'JOB_FAILED';
  readonly exitCode = ExitCode.jobFailed;

  constructor(readonly job: Job) {
    super(describeJob(job));
  }
}
