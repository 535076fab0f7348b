import type { Command } from 'commander';
import type { Job } from '../api/types.js';
import { contextOf } from '../context.js';
import { describeJob } from '../output/describe-job.js';
import type { Io } from '../output/io.js';
import { writeJson } from '../output/write-json.js';
import { examples } from './options.js';

export function registerCancel(program: Command, io: Io): void {
  program
    .command('cancel')
    .description('cancel a job that has not started yet (one that runs or has ended cannot be: exit 2)')
    .argument('<id>', 'the job id')
    .addHelpText('after', examples('strongbox cancel 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90'))
    .action(async (id: string, _flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      const answer = await ctx.client.request<Job>('DELETE', `/backups/${encodeURIComponent(id)}`);
      if (ctx.json) writeJson(ctx, answer.body);
      else ctx.stdout.write(`${describeJob(answer.body)}\n`);
    });
}
