import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../stack.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built command, run the way `npx strongbox` runs it. */
export const CLI_BIN = path.join(repo, 'apps/cli/bin/strongbox.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `strongbox`, with what it printed so far. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<CliResult>;
}

/**
 * Starts `strongbox ARGS` with only the environment given (and PATH): no STRONGBOX_* variable of
 * the machine running the tests leaks in. Standard output is a pipe, not a terminal.
 */
export function startCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  bin = CLI_BIN,
): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `strongbox ARGS` to its end. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return startCli(args, env).exited;
}

/** Waits until the process has printed something that matches on stdout. */
export async function waitForOutput(
  cli: CliProcess,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<RegExpMatchArray> {
  let match: RegExpMatchArray | null = null;
  await waitFor(
    async () => {
      match = cli.stdout().match(pattern);
      return match !== null || cli.child.exitCode !== null;
    },
    timeoutMs,
    () => `strongbox did not print ${pattern}:\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`,
  );
  if (match === null) {
    throw new Error(
      `strongbox exited without printing ${pattern}:\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`,
    );
  }
  return match;
}

/** The lines of an output, without the empty one after the last newline. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}
