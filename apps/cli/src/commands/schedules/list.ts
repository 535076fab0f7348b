import type { Command } from 'commander';
import { pages } from '../../api/pages.js';
import type { Schedule } from '../../api/types.js';
import { contextOf } from '../../context.js';
import { nextRunText, stateOf } from '../../output/describe-schedule.js';
import type { Io } from '../../output/io.js';
import { printPages } from '../../output/print-pages.js';
import { examples } from '../options.js';

export function registerScheduleList(group: Command, io: Io): void {
  group
    .command('list')
    .description('list every schedule, oldest first, following the pages to the end')
    .addHelpText(
      'after',
      examples(
        'strongbox schedules list',
        "strongbox schedules list --json | jq -r '.items[] | select(.paused) | .id'",
      ),
    )
    .action(async (_flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      await printPages(ctx, pages<Schedule>(ctx.client, '/schedules', {}), {
        header: ['ID', 'STATE', 'FOLDER', 'CRON', 'TZ', 'NEXT RUN'],
        widths: [36, 6, 20, 15, 16],
        row: (schedule) => [
          schedule.id,
          stateOf(schedule),
          schedule.folder,
          schedule.cron,
          schedule.tz,
          nextRunText(schedule),
        ],
        empty: 'no schedules',
      });
    });
}
