import type { Job } from '../api/types.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** Ctrl-C while waiting: the client stops, the job goes on on the server. */
export class InterruptedError extends CliError {
  readonly code = 'INTERRUPTED';
  readonly exitCode = ExitCode.interrupted;

  constructor(job: Job) {
    super(`stopped waiting; ${job.kind} ${job.id} goes on (strongbox status ${job.id} --wait to wait again)`);
  }
}
