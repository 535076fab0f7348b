import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors/usage-error.js';
import { DEFAULT_RETRY_FOR_MS, type WaitOptions } from '../wait/wait-for-end.js';

/** The flags of every command that can wait on its job. */
export interface WaitFlags {
  wait?: boolean;
  timeout?: number;
  retryFor?: number;
}

/** Adds `--wait`, `--timeout SECONDS` and `--retry-for SECONDS` to a command that answers a job. */
export function addWaitOptions(command: Command, what: string): Command {
  return command
    .option('--wait', `wait until the ${what} ends, with a live progress bar on a terminal`)
    .addOption(
      new Option('--timeout <seconds>', 'with --wait: give up after this many seconds (exit 5)').argParser(
        positiveNumber,
      ),
    )
    .addOption(
      new Option(
        '--retry-for <seconds>',
        `with --wait: while the API does not answer (a restart), keep asking for this long before giving up (exit 3; default ${DEFAULT_RETRY_FOR_MS / 1000})`,
      ).argParser(positiveNumber),
    );
}

/** `null` without --wait; --timeout or --retry-for without --wait is a usage error rather than silently ignored. */
export function waitOf(flags: WaitFlags): WaitOptions | null {
  if (!flags.wait) {
    if (flags.timeout !== undefined) throw new UsageError('--timeout goes with --wait');
    if (flags.retryFor !== undefined) throw new UsageError('--retry-for goes with --wait');
    return null;
  }
  return {
    timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
    retryForMs: flags.retryFor === undefined ? undefined : flags.retryFor * 1000,
  };
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError('must be a number of seconds above 0, such as 30 or 2.5');
  }
  return value;
}

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError('must be a whole number above 0');
  }
  return value;
}

/** The "Examples:" block at the end of a command's --help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
