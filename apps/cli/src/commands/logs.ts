import { type Command, Option } from 'commander';
import { pages } from '../api/pages.js';
import { LOG_STATUSES, type LogRow } from '../api/types.js';
import { contextOf } from '../context.js';
import type { Io } from '../output/io.js';
import { printPages } from '../output/print-pages.js';
import { examples } from './options.js';

interface LogsFlags {
  from?: string;
  to?: string;
  action?: string;
  status?: string;
}

export function registerLogs(program: Command, io: Io): void {
  program
    .command('logs')
    .description('print the audit log, oldest first, every page of it')
    .option(
      '--from <when>',
      'from this day (YYYY-MM-DD, the whole UTC day) or instant (ISO 8601 with a zone)',
    )
    .option('--to <when>', 'to this day or instant, inclusive')
    .option('--action <action>', 'only rows of this action: Backup, Verify, Restore, Get Log, Get Stats')
    .addOption(new Option('--status <status>', 'only rows with this status').choices(LOG_STATUSES))
    .addHelpText(
      'after',
      examples(
        'strongbox logs --from 2026-11-01 --to 2026-11-30',
        'strongbox logs --action Backup --status FAILED',
        "strongbox logs --from 2026-11-22T08:00Z --json | jq -c '.items[]'",
      ),
    )
    .action(async (flags: LogsFlags, self: Command) => {
      const ctx = contextOf(self, io);
      const query = { from: flags.from, to: flags.to, action: flags.action, status: flags.status };
      await printPages(ctx, pages<LogRow>(ctx.client, '/logs', query), {
        header: ['DATE', 'ACTION', 'STATUS', 'PARAMETER', 'MESSAGE'],
        widths: [24, 9, 7, 24],
        row: (row) => [row.date, row.action ?? '', row.status ?? '', row.parameter ?? '', row.message ?? ''],
        empty: 'no log rows',
      });
    });
}
