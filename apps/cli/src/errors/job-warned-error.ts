import type { Job } from '../api/types.js';
import { plural } from '../output/units.js';
import type { Warnings } from '../output/warnings.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** How many of a job's warnings its message quotes; `strongbox status ID --json` shows them all. */
const QUOTED = 3;

/**
 * The job succeeded, with warnings: a script learns it from the exit status (6), a person from
 * the message, which counts the skipped entries and quotes the first warnings.
 */
export class JobWarnedError extends CliError {
  readonly code = 'JOB_SUCCEEDED_WITH_WARNINGS';
  readonly exitCode = ExitCode.warnings;

  constructor(job: Job, found: Warnings) {
    const quoted = found.warnings.slice(0, QUOTED).join('; ');
    const more = found.warnings.length > QUOTED ? `; … (all of them: strongbox status ${job.id} --json)` : '';
    super(
      `${job.kind} ${job.id} ${job.folder} succeeded with warnings: ${plural(found.skipped, 'entry', 'entries')} skipped` +
        (quoted === '' ? '' : `: ${quoted}${more}`),
    );
  }
}
