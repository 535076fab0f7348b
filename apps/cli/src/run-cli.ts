import { CommanderError } from 'commander';
import { CliError } from './errors/cli-error.js';
import { ExitCode } from './errors/exit-codes.js';
import type { Io } from './output/io.js';
import { buildProgram } from './program.js';

/**
 * Runs one command line (`argv` as in process.argv) and answers the exit code. Every expected
 * way to fail ends here with its message on stderr; anything else is a bug and is rethrown.
 */
export async function runCli(argv: string[], io: Io): Promise<ExitCode> {
  try {
    await buildProgram(io).parseAsync(argv);
    return ExitCode.ok;
  } catch (error) {
    // commander has printed its message (or the help / version) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (error instanceof CliError) {
      io.stderr.write(`strongbox: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
