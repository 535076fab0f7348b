import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** A command line that cannot be run as written (checked before anything is sent). */
export class UsageError extends CliError {
  readonly code = 'USAGE';
  readonly exitCode = ExitCode.usage;
}
