import type { Command } from 'commander';
import { contextOf } from '../../context.js';
import type { Io } from '../../output/io.js';
import { examples } from '../options.js';

export function registerScheduleRemove(group: Command, io: Io): void {
  group
    .command('remove')
    .description('remove a schedule; the backups it started stay, with its id as their scheduleId')
    .argument('<id>', 'the schedule id')
    .addHelpText(
      'after',
      `
The API answers 204 without a body: with --json nothing is printed, and the exit status says
how it went.
${examples(
  'strongbox schedules remove 0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f',
  'strongbox schedules list --json | jq -r \'.items[] | select(.folder == "old") | .id\' | xargs -n 1 strongbox schedules remove',
)}`,
    )
    .action(async (id: string, _flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      await ctx.client.request<null>('DELETE', `/schedules/${encodeURIComponent(id)}`);
      if (!ctx.json) ctx.stdout.write(`schedule ${id} removed; the backups it started stay\n`);
    });
}
