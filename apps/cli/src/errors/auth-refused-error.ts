import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** The API answered 401 or 403. The message never contains the token. */
export class AuthRefusedError extends CliError {
  readonly code = 'UNAUTHORIZED';
  readonly exitCode = ExitCode.unauthorized;

  constructor(status: number, apiMessage: string, tokenGiven: boolean) {
    const hint = tokenGiven
      ? 'check the token in STRONGBOX_TOKEN or --token'
      : 'set STRONGBOX_TOKEN or pass --token';
    super(`${status} UNAUTHORIZED: ${apiMessage} (${hint})`);
  }
}
