import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** The API could not be reached, did not answer in time, answered 5xx, or answered something that is not its JSON. */
export class ApiUnavailableError extends CliError {
  readonly code = 'API_UNAVAILABLE';
  readonly exitCode = ExitCode.unavailable;
}
