import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** The API refused the request as bad (a 4xx other than 401/403), with its error code and message. */
export class ApiRefusedError extends CliError {
  readonly exitCode = ExitCode.usage;

  constructor(
    readonly status: number,
    readonly code: string,
    apiMessage: string,
  ) {
    super(`${status} ${code}: ${apiMessage}`);
  }
}
