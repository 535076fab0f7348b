import type { Command } from 'commander';
import type { Answer } from '../api/client.js';
import type { Job } from '../api/types.js';
import { type Context, contextOf } from '../context.js';
import type { Io } from '../output/io.js';
import { showJob } from '../wait/show-job.js';
import { addWaitOptions, examples, type WaitFlags, waitOf } from './options.js';

/** A command that asks the API for one job (a new one or an existing one) and can wait on it. */
export interface JobCommandSpec<Flags extends WaitFlags> {
  name: string;
  description: string;
  /** The command's one argument; none for a job on the whole repository (prune, check). */
  argument?: { name: string; description: string };
  /** What --wait waits on, for its help: "backup", "verify job"… */
  waitsOn: string;
  examples: string[];
  /** Options of its own, beside --wait and --timeout. */
  options?: (command: Command) => Command;
  /** Sends the request; `argument` is '' for a command without one. */
  send(ctx: Context, argument: string, flags: Flags): Promise<Answer<Job>>;
}

export function registerJobCommand<Flags extends WaitFlags>(
  program: Command,
  io: Io,
  spec: JobCommandSpec<Flags>,
): void {
  const command = program.command(spec.name).description(spec.description);
  if (spec.argument) command.argument(`<${spec.argument.name}>`, spec.argument.description);
  const run = async (argument: string, flags: Flags, self: Command) => {
    const ctx = contextOf(self, io);
    const wait = waitOf(flags);
    const answer = await spec.send(ctx, argument, flags);
    await showJob(ctx, answer.body, wait);
  };
  addWaitOptions(spec.options ? spec.options(command) : command, spec.waitsOn)
    .addHelpText('after', examples(...spec.examples))
    .action(spec.argument ? run : (flags: Flags, self: Command) => run('', flags, self));
}
