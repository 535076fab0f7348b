import type { ExitCode } from './exit-codes.js';

/**
 * Every way a command ends other than success. `code` is stable (scripts and tests may match
 * it), `exitCode` is what the process exits with, and the message says what happened and what
 * to do about it.
 */
export abstract class CliError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
}
