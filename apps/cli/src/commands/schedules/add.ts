import type { Command } from 'commander';
import type { Schedule } from '../../api/types.js';
import { contextOf } from '../../context.js';
import type { Io } from '../../output/io.js';
import { examples } from '../options.js';
import { showSchedule } from './show-schedule.js';

interface AddFlags {
  cron: string;
  tz?: string;
}

export function registerScheduleAdd(group: Command, io: Io): void {
  group
    .command('add')
    .description('add a schedule that backs up FOLDER each time the cron expression fires')
    .argument('<folder>', 'the folder, relative to SOURCE_ROOT on the server, such as photos/2024')
    .requiredOption(
      '--cron <expr>',
      'when: 5 fields (minute hour day month weekday), or 6 with seconds first; quote it',
    )
    .option(
      '--tz <zone>',
      'the IANA time zone the expression is read in, such as Europe/Paris (default: UTC)',
    )
    .addHelpText(
      'after',
      `
The server checks the expression and the zone: one that cannot run is refused (exit 2,
INVALID_SCHEDULE) and nothing is recorded.
${examples(
  "strongbox schedules add photos/2024 --cron '0 3 * * *' --tz Europe/Paris",
  "strongbox schedules add mail --cron '*/15 * * * *'",
  "id=$(strongbox schedules add photos/2024 --cron '0 3 * * 1-5' --json | jq -r .id)",
)}`,
    )
    .action(async (folder: string, flags: AddFlags, self: Command) => {
      const ctx = contextOf(self, io);
      const body =
        flags.tz === undefined ? { folder, cron: flags.cron } : { folder, cron: flags.cron, tz: flags.tz };
      const answer = await ctx.client.request<Schedule>('POST', '/schedules', { body });
      showSchedule(ctx, answer.body);
    });
}
